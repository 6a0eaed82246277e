"""PyTorch CUDA peer of bench/gpu_workloads.ts: same networks, same step, samples/s as JSON.

The networks mirror src/models (buildModel): weight layers without bias before BN (eps 1e-5),
ReLU, a classifier with a bias.
- mlp:DEPTH:WIDTH: flatten, DEPTH blocks Linear(WIDTH)-BN-ReLU, Linear(10); 28x28x1 inputs.
- cnn:DEPTH:WIDTH: DEPTH blocks Conv3x3(WIDTH, same)-BN-ReLU, a 2x2 max-pool after blocks
  round(DEPTH/3) and round(2*DEPTH/3) (cnn.ts' poolAfter), global average pool, Linear(10);
  28x28x1 inputs.
- resnet:DEPTH:WIDTH: the CIFAR ResNet of resnet.ts (stem conv, 3 stages of (DEPTH-2)/6 basic
  blocks of widths WIDTH, 2 WIDTH, 4 WIDTH, option-A shortcuts: subsample by 2 and zero-pad
  the new channels), global average pool, Linear(10); 32x32x3 inputs.
The step is SGD momentum 0.9 (rate 0.01) on mean cross-entropy, as trainStep with momentum()
does; the project's step also computes per-layer gradient norms, which this peer skips.
Arithmetic: eager float32 with TF32 off (what tf.js computes), unless --tf32 or --bf16
(autocast to bfloat16 with channels-last, how PyTorch users mostly train on such GPUs).

Usage:
  python3 bench/pytorch_cuda_peer.py step CASE BATCH STEPS WARMUP CAP_SECONDS [--tf32|--bf16]
  python3 bench/pytorch_cuda_peer.py matmul N REPS
  python3 bench/pytorch_cuda_peer.py conv BATCH SIZE CHANNELS_IN CHANNELS_OUT REPS
    (3x3, padding 1: tflops of the forward conv, inputGradTflops and filterGradTflops)
Prints one JSON line. PyTorch is only a benchmark peer, never a dependency of the project.
"""
import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def mlp(depth: int, width: int) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    width_in = 28 * 28
    for _ in range(depth):
        layers += [nn.Linear(width_in, width, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
        width_in = width
    layers.append(nn.Linear(width_in, 10))
    return nn.Sequential(*layers)


def cnn(depth: int, width: int) -> nn.Module:
    pools = {round(depth / 3), round(2 * depth / 3)}
    layers: list[nn.Module] = []
    channels_in = 1
    for block in range(1, depth + 1):
        layers += [
            nn.Conv2d(channels_in, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        ]
        channels_in = width
        if block in pools:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.stride = stride
        extra = channels_out - channels_in
        self.pad = (extra // 2, extra - extra // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = F.relu(self.bn1(self.conv1(x)))
        r = self.bn2(self.conv2(r))
        shortcut = x[:, :, :: self.stride, :: self.stride] if self.stride > 1 else x
        if sum(self.pad) > 0:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, *self.pad))
        return F.relu(r + shortcut)


class Resnet(nn.Module):
    def __init__(self, depth: int, width: int) -> None:
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        blocks: list[nn.Module] = []
        channels = width
        for stage in range(3):
            out = width * 2 ** stage
            for j in range(n):
                blocks.append(BasicBlock(channels, out, 2 if stage > 0 and j == 0 else 1))
                channels = out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))


def build(case: str) -> tuple[nn.Module, tuple[int, ...]]:
    kind, depth, width = case.split(":")
    d, w = int(depth), int(width)
    if kind == "mlp":
        return mlp(d, w), (1, 28, 28)
    if kind == "cnn":
        return cnn(d, w), (1, 28, 28)
    if kind == "resnet":
        return Resnet(d, w), (3, 32, 32)
    raise SystemExit(f"case: got {case!r}; allowed: mlp|cnn|resnet:DEPTH:WIDTH")


def set_mode(mode: str) -> None:
    tf32 = mode == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def step_bench(case: str, batch: int, steps: int, warmup: int, cap: float, mode: str) -> dict:
    set_mode(mode)
    model, sample = build(case)
    model = model.cuda()
    x = torch.randn(batch, *sample, device="cuda")
    if mode == "bf16":
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last) if x.dim() == 4 else x
    y = torch.randint(0, 10, (batch,), device="cuda")
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=mode == "bf16"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    done = 0
    while done < steps:
        step()
        done += 1
        # Synchronizing only every 5 steps keeps the launch queue full, as eager training does.
        if done % 5 == 0 or done == steps:
            torch.cuda.synchronize()
            if time.perf_counter() - start > cap:
                break
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"steps": done, "seconds": seconds, "samplesPerSec": done * batch / seconds}


def timed(fn, reps: int) -> float:
    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / reps


def main() -> None:
    if not torch.cuda.is_available():
        raise SystemExit("torch.cuda.is_available() is False")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    mode = "bf16" if "--bf16" in sys.argv else "tf32" if "--tf32" in sys.argv else "fp32"
    result: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "mode": mode}
    if args[0] == "step":
        case, batch, steps, warmup, cap = args[1], int(args[2]), int(args[3]), int(args[4]), float(args[5])
        result |= {"case": case, "batch": batch} | step_bench(case, batch, steps, warmup, cap, mode)
    elif args[0] == "matmul":
        set_mode(mode)
        n, reps = int(args[1]), int(args[2])
        a = torch.randn(n, n, device="cuda")
        b = torch.randn(n, n, device="cuda")
        result |= {"n": n, "tflops": 2 * n**3 / timed(lambda: a @ b, reps) / 1e12}
    elif args[0] == "conv":
        set_mode(mode)
        batch, size, cin, cout, reps = (int(a) for a in args[1:6])
        x = torch.randn(batch, cin, size, size, device="cuda")
        w = torch.randn(cout, cin, 3, 3, device="cuda")
        flops = 2 * batch * size * size * cout * cin * 9
        result |= {"tflops": flops / timed(lambda: F.conv2d(x, w, padding=1), reps) / 1e12}
        # The two gradients as autograd runs them; kept apart so a failure here leaves the
        # forward figure standing.
        try:
            dy = torch.randn(batch, cout, size, size, device="cuda")
            grad_input = lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, padding=1)
            grad_weight = lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, padding=1)
            result |= {
                "inputGradTflops": flops / timed(grad_input, reps) / 1e12,
                "filterGradTflops": flops / timed(grad_weight, reps) / 1e12,
            }
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            result |= {"gradError": str(e).splitlines()[0]}
    else:
        raise SystemExit(f"mode: got {args[0]!r}; allowed: step, matmul, conv")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
