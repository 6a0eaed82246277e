"""PyTorch peer of bench/backend_workloads.ts: same models, same step, at PyTorch's best.

The models mirror src/models (buildModel): weight layers without bias before BN (eps 1e-5),
ReLU, a classifier with a bias; the CNN's 3x3 convs use same padding, 2x2 max-pools follow
blocks 2 and 4 (cnn.ts' poolAfter(6)) and a global average pool precedes the classifier.
The step is trainStep's: mean cross-entropy, backward, the per-layer gradient norms of the
weight layers' kernels and the global norm stacked into one vector (trainStep returns them),
then the update: SGD momentum 0.9 (W1, W2) or LALC (S1) written as a PyTorch user would
write it (per tensor of rank >= 2: rate = clamp(kappa*||w||/(||g||+eps), rho*eta, eta), eta
where a norm is 0; the rest at eta; then v = mu*v + rate*g, w -= v), as src/optim/lalc.ts
defines it with its defaults (kappa 0.02, rho 0.01, mu 0.9, no weight decay).

"At its best" means as its users run it: `zero_grad(set_to_none=True)`, several warm-up
steps, and the fastest thread layout. Debian's python3-torch runs its own ops on an OpenMP
pool (torch.set_num_threads) and hands matrix products to whatever libblas.so.3 resolves to
(OpenBLAS, with its own pthreads pool). The two pools are separate, and on a small machine
one of them at full width plus the other at full width oversubscribes the cores, so every
layout (torch threads x BLAS threads, each 1, half or all of the cores) is run, each in a
fresh process (OPENBLAS_NUM_THREADS is read when the library loads), and the fastest wins.
OPENBLAS_CORETYPE is removed from the children's environment: OpenBLAS picks its kernels
for this processor, as it does for a user who never heard of the variable.

Usage:
  python3 bench/pytorch_peer.py W1|W2|S1 STEPS [--warmup 3] [--repeats 3]
      tries every layout, prints one JSON line: the best layout and every layout's figure
  python3 bench/pytorch_peer.py W1|W2|S1 STEPS --layout TORCH,BLAS [--warmup 3] [--repeats 3]
      one layout in this process (sets the variables before torch loads)
Each layout: WARMUP steps, then REPEATS timed runs of STEPS steps; the fastest run counts.
PyTorch is only a benchmark peer here (Debian's python3-torch), never a dependency.
"""
import argparse
import json
import os
import subprocess
import sys
import time

WORKLOADS = ("W1", "W2", "S1")


def cpu_info() -> dict:
    """The processor's model name and whether it has AVX-512 (avx512f) and AVX2."""
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model == "unknown":
                    model = value.strip()
                if key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return {"model": model, "avx512f": "avx512f" in flags, "avx2": "avx2" in flags}


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def layouts(n: int) -> list[tuple[int, int]]:
    """(torch threads, BLAS threads), each 1, half or all of `n` cores."""
    widths = sorted({1, max(1, n // 2), n})
    return [(t, b) for t in widths for b in widths]


def blas_in_use() -> dict:
    """The BLAS library torch loaded (threadpoolctl when installed, else /proc/self/maps)."""
    try:
        import threadpoolctl  # noqa: PLC0415 (optional)

        for pool in threadpoolctl.threadpool_info():
            if pool.get("user_api") == "blas":
                return {
                    "library": pool.get("filepath"),
                    "api": pool.get("internal_api"),
                    "version": pool.get("version"),
                    "architecture": pool.get("architecture"),
                    "threads": pool.get("num_threads"),
                    "via": "threadpoolctl",
                }
    except ImportError:
        pass
    with open("/proc/self/maps", encoding="utf-8") as f:
        paths = sorted({line.split()[-1] for line in f if "blas" in line.lower()})
    return {"library": ", ".join(paths) or "none found", "via": "/proc/self/maps"}


def build(workload: str):
    """The model, an input batch shape and the batch size of `workload`."""
    from torch import nn  # noqa: PLC0415 (after the thread variables are set)

    if workload in ("W1", "S1"):
        width, batch = (256, 256) if workload == "W1" else (64, 128)
        layers: list = []
        width_in = 784
        for _ in range(16):
            layers += [nn.Linear(width_in, width, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
            width_in = width
        layers.append(nn.Linear(width, 10))
        return nn.Sequential(*layers), (batch, 784), batch
    layers = []
    channels_in = 1
    for block in range(6):
        layers += [
            nn.Conv2d(channels_in, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(),
        ]
        channels_in = 32
        if block in (1, 3):
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)]
    return nn.Sequential(*layers), (128, 1, 28, 28), 128


def lalc_class():
    """LALC (src/optim/lalc.ts, weight decay 0) as a torch optimizer, one tensor at a time."""
    import torch  # noqa: PLC0415

    class Lalc(torch.optim.Optimizer):
        def __init__(self, params, lr, momentum=0.9, kappa=0.02, rho=0.01, eps=1e-9):
            super().__init__(params, {"lr": lr, "momentum": momentum, "kappa": kappa,
                                      "rho": rho, "eps": eps})

        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                lr = group["lr"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad
                    if p.dim() > 1:
                        w_norm, g_norm = p.norm(), g.norm()
                        local = group["kappa"] * w_norm / (g_norm + group["eps"])
                        rate = torch.where(
                            (w_norm > 0) & (g_norm > 0),
                            local.clamp(group["rho"] * lr, lr),
                            torch.full_like(local, lr),
                        )
                        update = g * rate
                    else:
                        update = g * lr
                    state = self.state[p]
                    if "v" not in state:
                        state["v"] = update.clone()
                    else:
                        state["v"].mul_(group["momentum"]).add_(update)
                    p.sub_(state["v"])

    return Lalc


def run_layout(workload: str, steps: int, warmup: int, repeats: int, torch_threads: int,
               blas_threads: int) -> dict:
    """Times `workload` in this process on one layout; the variables must not be read yet."""
    os.environ["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    os.environ["OMP_NUM_THREADS"] = str(torch_threads)
    import torch  # noqa: PLC0415 (OpenBLAS reads its thread count when it loads)
    from torch import nn  # noqa: PLC0415

    torch.set_num_threads(torch_threads)
    torch.manual_seed(1)
    model, shape, batch = build(workload)
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (batch,))
    if workload == "S1":
        opt = lalc_class()(model.parameters(), lr=0.1)
        optimizer = "LALC (kappa 0.02, rho 0.01, mu 0.9, lr 0.1), per tensor"
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        optimizer = "torch.optim.SGD(lr 0.01, momentum 0.9)"
    loss_fn = nn.CrossEntropyLoss()
    kernels = [m.weight for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]
    params = list(model.parameters())

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        with torch.no_grad():
            # trainStep's per-layer norms and global norm, kept on the device like ours.
            squares = [k.grad.square().sum() for k in kernels]
            total = torch.stack([p.grad.square().sum() for p in params]).sum()
            torch.stack(squares + [total]).sqrt()
        opt.step()

    for _ in range(warmup):
        step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - start)
    blas = blas_in_use()
    return {
        "torchThreads": torch.get_num_threads(),
        "blasThreads": blas.get("threads", blas_threads),
        "msPerStep": 1000 * best / steps,
        "samplesPerSec": steps * batch / best,
        "torch": torch.__version__,
        "blas": blas,
        "optimizer": optimizer,
    }


def search(workload: str, steps: int, warmup: int, repeats: int) -> dict:
    """Runs every layout in a fresh process; the fastest, and all of them."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    results, failures = [], []
    for t, b in layouts(cores()):
        args = [sys.executable, os.path.abspath(__file__), workload, str(steps), "--layout",
                f"{t},{b}", "--warmup", str(warmup), "--repeats", str(repeats)]
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            failures.append(f"{t},{b}: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if not results:
        raise SystemExit(f"pytorch_peer: no layout ran: {'; '.join(failures)}")
    best = max(results, key=lambda r: r["samplesPerSec"])
    return {
        "workload": workload,
        "torch": best["torch"],
        "blas": best["blas"],
        "optimizer": best["optimizer"],
        "cpu": cpu_info(),
        "cores": cores(),
        "steps": steps,
        "warmup": warmup,
        "repeats": repeats,
        "zeroGrad": "set_to_none=True",
        "samplesPerSec": best["samplesPerSec"],
        "msPerStep": best["msPerStep"],
        "best": {"torchThreads": best["torchThreads"], "blasThreads": best["blasThreads"]},
        "layouts": [{k: r[k] for k in ("torchThreads", "blasThreads", "samplesPerSec",
                                        "msPerStep")} for r in results],
        "failed": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("steps", type=int)
    parser.add_argument("--layout", help="TORCH,BLAS threads: one layout in this process")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    a = parser.parse_args()
    if a.steps < 1 or a.warmup < 0 or a.repeats < 1:
        parser.error(f"steps {a.steps}, warmup {a.warmup}, repeats {a.repeats}: "
                     "allowed steps >= 1, warmup >= 0, repeats >= 1")
    if a.layout is None:
        print(json.dumps(search(a.workload, a.steps, a.warmup, a.repeats)))
        return
    try:
        t, b = (int(s) for s in a.layout.split(","))
        if t < 1 or b < 1:
            raise ValueError
    except ValueError:
        parser.error(f"--layout: got {a.layout!r}; allowed: TORCH,BLAS, two integers >= 1")
    print(json.dumps(run_layout(a.workload, a.steps, a.warmup, a.repeats, t, b)))


if __name__ == "__main__":
    main()
