"""PyTorch peer of bench/backend_workloads.ts: same models, same step, samples/s as JSON.

The models mirror src/models (buildModel): weight layers without bias before BN (eps 1e-5),
ReLU, a classifier with a bias; the CNN's 3x3 convs use same padding, 2x2 max-pools follow
blocks 2 and 4 (cnn.ts' poolAfter(6)) and a global average pool precedes the classifier.
The step is SGD momentum 0.9 on mean cross-entropy, as trainStep with momentum() does (which
also computes per-layer gradient norms, a few small reductions that this peer skips).

Usage: python3 bench/pytorch_peer.py W1|W2 STEPS [THREADS]
THREADS defaults to PyTorch's own choice (all cores); tf.js' wasm backend runs one thread.
PyTorch is only a benchmark peer here (Debian's python3-torch), never a dependency.
"""
import json
import sys
import time

import torch
from torch import nn


def w1() -> tuple[nn.Module, tuple[int, ...], int]:
    """MLP: 16 Linear(256)-BN-ReLU blocks on 784 inputs, batch 256."""
    layers: list[nn.Module] = []
    width_in = 784
    for _ in range(16):
        layers += [nn.Linear(width_in, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU()]
        width_in = 256
    layers.append(nn.Linear(256, 10))
    return nn.Sequential(*layers), (256, 784), 256


def w2() -> tuple[nn.Module, tuple[int, ...], int]:
    """CNN: 6 Conv3x3(32)-BN-ReLU blocks, 2x2 max-pool after blocks 2 and 4, global mean."""
    layers: list[nn.Module] = []
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


def main() -> None:
    workload, steps = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:
        torch.set_num_threads(int(sys.argv[3]))
    model, shape, batch = {"W1": w1, "W2": w2}[workload]()
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "workload": workload,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "steps": steps,
        "samplesPerSec": steps * batch / seconds,
    }))


if __name__ == "__main__":
    main()
