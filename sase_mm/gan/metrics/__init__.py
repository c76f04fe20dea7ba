"""Generative metrics (FID, KID, density/coverage, memorization test, SIFID, diversity, LPIPS)."""
