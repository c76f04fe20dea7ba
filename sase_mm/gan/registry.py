"""MMEngine registries of the GAN subpackage.

Every registry here is a child of MMEngine's root registry of the same kind and
has the scope ``sase_gan``: a config with ``default_scope = 'sase_gan'`` builds
its generators, discriminators, skip-layer modules, augmentations, losses,
datasets, hooks and metrics from here, and falls back to MMEngine's root
registries (optimizers, schedulers, the runner's own hooks) for the rest.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = "sase_gan"

# Networks, skip-layer modules, augmentations and losses: all are nn.Modules.
MODELS = Registry("model", parent=MMENGINE_MODELS, scope=SCOPE, locations=["sase_mm.gan"])
MODEL_WRAPPERS = Registry(
    "model_wrapper", parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=["sase_mm.gan"]
)
DATASETS = Registry("dataset", parent=MMENGINE_DATASETS, scope=SCOPE, locations=["sase_mm.gan"])
DATA_SAMPLERS = Registry(
    "data sampler", parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE, locations=["sase_mm.gan"]
)
TRANSFORMS = Registry(
    "transform", parent=MMENGINE_TRANSFORMS, scope=SCOPE, locations=["sase_mm.gan"]
)
HOOKS = Registry("hook", parent=MMENGINE_HOOKS, scope=SCOPE, locations=["sase_mm.gan"])
LOOPS = Registry("loop", parent=MMENGINE_LOOPS, scope=SCOPE, locations=["sase_mm.gan"])
METRICS = Registry("metric", parent=MMENGINE_METRICS, scope=SCOPE, locations=["sase_mm.gan"])
EVALUATOR = Registry(
    "evaluator", parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=["sase_mm.gan"]
)
OPTIMIZERS = Registry(
    "optimizer", parent=MMENGINE_OPTIMIZERS, scope=SCOPE, locations=["sase_mm.gan"]
)
OPTIM_WRAPPERS = Registry(
    "optim_wrapper", parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE, locations=["sase_mm.gan"]
)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    "optimizer wrapper constructor",
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE,
    locations=["sase_mm.gan"],
)
PARAM_SCHEDULERS = Registry(
    "parameter scheduler", parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE, locations=["sase_mm.gan"]
)
VISUALIZERS = Registry(
    "visualizer", parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=["sase_mm.gan"]
)
# The runner builds from these too; a child per registry keeps MMEngine from
# warning that the scope has none and falling back to the root.
VISBACKENDS = Registry(
    "vis_backend", parent=MMENGINE_VISBACKENDS, scope=SCOPE, locations=["sase_mm.gan"]
)
RUNNERS = Registry("runner", parent=MMENGINE_RUNNERS, scope=SCOPE, locations=["sase_mm.gan"])
RUNNER_CONSTRUCTORS = Registry(
    "runner constructor", parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE,
    locations=["sase_mm.gan"],
)
LOG_PROCESSORS = Registry(
    "log_processor", parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE, locations=["sase_mm.gan"]
)
WEIGHT_INITIALIZERS = Registry(
    "weight initializer", parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE,
    locations=["sase_mm.gan"],
)
FUNCTIONS = Registry(
    "function", parent=MMENGINE_FUNCTIONS, scope=SCOPE, locations=["sase_mm.gan"]
)
