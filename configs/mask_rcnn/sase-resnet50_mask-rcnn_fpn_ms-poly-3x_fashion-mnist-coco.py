# Mask R-CNN 3x recipe with SASE-ResNet50, shrunk to train on a CPU. The data
# is the composited Fashion-MNIST COCO dataset: real Fashion-MNIST items on a
# synthetic layout. Build it with tools/dataset_converters/fashion_mnist_to_coco.py.
#
# What differs from the COCO 3x config it inherits, and why:
# - data: 128 px canvases, 10 classes; multi-scale training keeps the 3x ratio
#   (short side 0.8-1.0 of the test size), scaled from 800 px to 128 px;
# - schedule: iteration-based miniature of the 3x shape (500-iteration warm-up
#   becomes 10 %, lr steps at 9/12 and 11/12 of the run);
# - batch 2 on one device and lr 0.01 (mmdet's 0.02 is for 16 images),
#   gradients clipped to norm 35;
# - fewer proposals and sampled RoIs (64 per image, so at most 16 positives
#   reach the mask head, which dominates the cost on a CPU), since an image
#   contains at most 5 objects;
# - the backbone trains from scratch (no Fashion-MNIST detector backbone
#   checkpoint is assumed), so no stage is frozen and BN layers train.
_base_ = './sase-resnet50_mask-rcnn_fpn_ms-poly-3x_coco.py'

custom_imports = dict(
    imports=['sase_mm', 'sase_mm.mm.datasets.checked_coco'],
    allow_failed_imports=False)

dataset_type = 'CheckedCocoDataset'
data_root = 'data/fashion_mnist_coco/'
classes = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
           'Bag', 'Ankle boot')
metainfo = dict(classes=classes)

# Iterations of the whole run; the warm-up and the two lr steps follow it.
max_iters = 150

model = dict(
    backbone=dict(frozen_stages=-1, norm_eval=False, init_cfg=None),
    roi_head=dict(
        bbox_head=dict(num_classes=len(classes)),
        mask_head=dict(num_classes=len(classes))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(max_per_img=50)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True, poly2mask=False),
    dict(type='RandomResize', scale=[(213, 102), (213, 128)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(213, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True, poly2mask=False),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

# mmdet batches images of different sizes as lists (mmengine's default
# pseudo_collate); it is stated so that no tool's default replaces it.
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            metainfo=metainfo,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=max_iters // 10),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[max_iters * 9 // 12, max_iters * 11 // 12],
        gamma=0.1),
]
# NOTE: without gradient clipping, SASE-ResNet50 trained from scratch here
# reached a NaN loss between iterations 20 and 40 (one measured run). With a
# maximum gradient norm of 35 the same run stayed finite.
optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=dict(max_norm=35, norm_type=2))

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=25, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
