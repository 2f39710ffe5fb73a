"""The SD 1.5 UNet in PyTorch (diffusers' UNet2DConditionModel, SD 1.5's published config, random weights): the
per-call time bench/diffusion.ts compares onnxruntime's UNet step against. Same inputs: a batch of two (guidance),
4 latent channels at size/8, 77 text tokens of 768. Run by bench/gpu.sh where torch and diffusers are installed."""
import argparse
import time

import torch
from diffusers import UNet2DConditionModel

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=512)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--batch", type=int, default=2)
parser.add_argument("--fp16", action="store_true")
args = parser.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
dtype = torch.float16 if args.fp16 and device == "cuda" else torch.float32
# runwayml/stable-diffusion-v1-5, unet/config.json: the architecture only; the weights stay random.
unet = UNet2DConditionModel(
    sample_size=args.size // 8,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768,
    attention_head_dim=8,
).to(device=device, dtype=dtype).eval()

latent = args.size // 8
sample = torch.randn(args.batch, 4, latent, latent, device=device, dtype=dtype)
context = torch.randn(args.batch, 77, 768, device=device, dtype=dtype)
timestep = torch.tensor([999], device=device)


def call() -> float:
    started = time.perf_counter()
    unet(sample, timestep, context)
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) * 1000


with torch.inference_mode():
    for _ in range(2):  # warm-up: kernels chosen, memory allocated
        call()
    times = sorted(call() for _ in range(max(1, args.steps)))

name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
precision = "fp16" if dtype == torch.float16 else "fp32"
print(
    f"pytorch {torch.__version__} on {name}, {precision}, batch {args.batch}, {args.size} px: "
    f"median {times[len(times) // 2]:.1f} ms per UNet call (fastest {times[0]:.1f} ms)"
)
