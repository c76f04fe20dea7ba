"""Benchmarks of sase_mm against timm's peers: complexity, speed and memory.

Run ``python tools/benchmarks/run_benchmarks.py --help`` for the command line.
The modules are split by measurement: ``timing`` (alternating-run timer),
``memory`` (peak training memory in a fresh subprocess), ``complexity``
(parameters and MACs), ``classification`` (whole-network speed),
``layer_sweep`` (SASE layer against multi-head self-attention), ``gan``
(FastGAN and SinGAN) and ``report`` (markdown output).
"""
