#!/usr/bin/python3
"""An independent PyTorch implementation of the work bench_step_cost and the CLI time.

It shares nothing with LossStudio but the LibTorch library (Debian's python3-torch is built on
the same libtorch 1.13 and OpenBLAS), so it is the yardstick the engine is measured against
(docs/performance.md). AdaLFL is written the way the paper's own code writes it: the base
update kept differentiable (create_graph=True), the meta-loss at theta' and a double backward
to the loss network's weights.

    /usr/bin/python3 bench/reference/pytorch_reference.py step [--threads 2] [--steps 60] [--warmup 10]
    /usr/bin/python3 bench/reference/pytorch_reference.py e2e  [--threads 2] [--e2e-steps 1000]
        [--method cross_entropy|adalfl]...

`step` times one step on a random batch of 128 1x28x28 inputs (median of --steps after
--warmup), as bench_step_cost does. `e2e` trains on Fashion-MNIST (the Debian package
dataset-fashion-mnist) for --e2e-steps random batches, evaluating the validation and test splits at the start and the
end, as
`bench_step_cost --end-to-end` runs the CLI, and reports ms per step of the training loop and of
the whole process. Prints JSON. Needs `apt install python3-torch`.
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import sys
import time

T_PROCESS = time.perf_counter()

import torch  # noqa: E402  (imported after the process clock starts: its load is counted)
import torch.nn.functional as F  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"


def mlp_params(widths, gen):
    """PyTorch's nn.Linear initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    params = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = fan_in ** -0.5
        params.append((torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound)
        params.append((torch.rand(fan_out, generator=gen) * 2 - 1) * bound)
    return [p.requires_grad_() for p in params]


def mlp_forward(params, x):
    x = x.flatten(1)
    layers = len(params) // 2
    for i in range(layers):
        x = F.linear(x, params[2 * i], params[2 * i + 1])
        if i + 1 < layers:
            x = F.relu(x)
    return x


class LearnedLoss(torch.nn.Module):
    """2 -> 40 -> 40 -> 1, no biases, smooth leaky ReLU (gamma 0.25, beta 2), no output
    activation, mean over classes (method.md)."""

    def __init__(self, gen):
        super().__init__()
        self.w = torch.nn.ParameterList()
        for fan_in, fan_out in ((2, 40), (40, 40), (40, 1)):
            w = torch.randn(fan_out, fan_in, generator=gen) * (2.0 / fan_in) ** 0.5
            self.w.append(torch.nn.Parameter(w))

    @staticmethod
    def act(x):
        return 0.25 * x + 0.75 * 0.5 * F.softplus(2.0 * x)

    def forward(self, target, probs):
        h = torch.stack((target, probs), dim=-1)
        h = self.act(F.linear(h, self.w[0]))
        h = self.act(F.linear(h, self.w[1]))
        return F.linear(h, self.w[2]).squeeze(-1).mean(dim=1).mean()


def ce_step(params, lr, x, y):
    logits = mlp_forward(params, x)
    loss = F.cross_entropy(logits, y)
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        loss_value = loss.item()
        accuracy = (logits.argmax(1) == y).float().mean().item()
        for p, g in zip(params, grads):
            p.sub_(lr * g)
    return loss_value, accuracy


def adalfl_step(params, lr, loss_net, meta_opt, x, y, xv, yv):
    logits = mlp_forward(params, x)
    probs = torch.softmax(logits, dim=1)
    target = F.one_hot(y, probs.shape[1]).to(probs.dtype)
    learned = loss_net(target, probs)
    grads = torch.autograd.grad(learned, params, create_graph=True)
    new_params = [p - lr * g for p, g in zip(params, grads)]
    meta_loss = F.cross_entropy(mlp_forward(new_params, xv), yv)
    meta_opt.zero_grad(set_to_none=True)
    meta_loss.backward(inputs=list(loss_net.parameters()))
    meta_opt.step()
    with torch.no_grad():
        values = (learned.item(), meta_loss.item(), (logits.argmax(1) == y).float().mean().item())
        for p, q in zip(params, new_params):
            p.copy_(q)
    return values


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_steps(step, steps, warmup):
    for i in range(warmup):
        step(i)
    faults = minor_faults()
    ms = []
    for i in range(steps):
        t0 = time.perf_counter()
        step(warmup + i)
        ms.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(ms), (minor_faults() - faults) / steps


def run_step(opts):
    gen = torch.Generator().manual_seed(0)
    widths = [784, 1000, 1000, 10]
    x = torch.randn(128, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (128,), generator=gen)
    xv = torch.randn(128, 1, 28, 28, generator=gen)
    yv = torch.randint(0, 10, (128,), generator=gen)
    params = mlp_params(widths, gen)
    ce_ms, ce_faults = time_steps(lambda i: ce_step(params, 0.01, x, y), opts.steps, opts.warmup)
    params = mlp_params(widths, gen)
    loss_net = LearnedLoss(gen)
    meta_opt = torch.optim.Adam(loss_net.parameters(), lr=1e-3)
    ada_ms, ada_faults = time_steps(
        lambda i: adalfl_step(params, 0.01, loss_net, meta_opt, x, y, xv, yv), opts.steps,
        opts.warmup)
    return {
        "benchmark": "pytorch_reference_step",
        "model": "mlp_784_1000_1000_10",
        "cross_entropy_ms": round(ce_ms, 3),
        "adalfl_ms": round(ada_ms, 3),
        "ratio_adalfl_over_ce": round(ada_ms / ce_ms, 3),
        "cross_entropy_minor_faults_per_step": ce_faults,
        "adalfl_minor_faults_per_step": ada_faults,
    }


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    body = torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8)
    return body.reshape(shape)


def evaluate(params, x, y, batch=1000):
    """Cross-entropy and accuracy over a split in batches of 1000, as the engine's evaluation."""
    with torch.no_grad():
        loss, correct = 0.0, 0
        for s in range(0, y.numel(), batch):
            logits = mlp_forward(params, x[s:s + batch])
            loss += F.cross_entropy(logits, y[s:s + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[s:s + batch]).sum().item()
    return correct / y.numel()


def run_e2e(opts):
    gen = torch.Generator().manual_seed(0)
    images = read_idx("train-images-idx3-ubyte.gz").float().div_(255).unsqueeze(1)
    labels = read_idx("train-labels-idx1-ubyte.gz").long()
    test_x = read_idx("t10k-images-idx3-ubyte.gz").float().div_(255).unsqueeze(1)
    test_y = read_idx("t10k-labels-idx1-ubyte.gz").long()
    mean, std = images.mean(), images.std()
    images = (images - mean) / std
    test_x = (test_x - mean) / std
    order = torch.randperm(labels.numel(), generator=gen)
    val_idx, train_idx = order[:6000], order[6000:]
    train_x, train_y = images[train_idx], labels[train_idx]
    val_x, val_y = images[val_idx], labels[val_idx]
    widths = [784, 1000, 1000, 10]
    results = []
    for method in opts.method:
        params = mlp_params(widths, gen)
        loss_net = LearnedLoss(gen)
        meta_opt = torch.optim.Adam(loss_net.parameters(), lr=1e-3)
        t0 = time.perf_counter()
        evaluate(params, val_x, val_y)  # the engine evaluates at step 0 and at the end
        evaluate(params, test_x, test_y)
        for _ in range(opts.e2e_steps):
            i = torch.randint(0, train_y.numel(), (128,), generator=gen)
            x, y = train_x.index_select(0, i), train_y.index_select(0, i)
            if method == "cross_entropy":
                ce_step(params, 0.01, x, y)
            else:
                j = torch.randint(0, val_y.numel(), (128,), generator=gen)
                adalfl_step(params, 0.01, loss_net, meta_opt, x, y, val_x.index_select(0, j),
                            val_y.index_select(0, j))
        evaluate(params, val_x, val_y)
        accuracy = evaluate(params, test_x, test_y)
        seconds = time.perf_counter() - t0
        results.append({"method": method, "train_seconds": round(seconds, 2),
                        "ms_per_step": round(1e3 * seconds / opts.e2e_steps, 2),
                        "test_accuracy": accuracy})
    return {"benchmark": "pytorch_reference_end_to_end", "model": "mlp_784_1000_1000_10",
            "steps": opts.e2e_steps, "results": results,
            "process_seconds": round(time.perf_counter() - T_PROCESS, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("step", "e2e"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--e2e-steps", type=int, default=1000)
    parser.add_argument("--method", choices=("cross_entropy", "adalfl"), action="append",
                        help="e2e: the method(s) to run (default both)")
    opts = parser.parse_args()
    opts.method = opts.method or ["cross_entropy", "adalfl"]
    torch.set_num_threads(opts.threads)
    out = run_step(opts) if opts.mode == "step" else run_e2e(opts)
    out.update({"threads": torch.get_num_threads(), "torch": torch.__version__,
                "load_average": [round(v, 2) for v in os.getloadavg()]})
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
