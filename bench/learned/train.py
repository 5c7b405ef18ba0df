#!/usr/bin/python3
"""Trains the learned attack of `npm run bench:learned`: a small CRNN (conv
layers, a bidirectional GRU, CTC loss) that reads whole captchas without
segmenting them, the way published solvers do.

bench/learned.ts renders the labelled images and writes a plan (JSON): the
data sets, which levels to train on at which training-set sizes, the test
sets, and the training budget. This script trains one model per level and
size, scores it on fresh test captchas of its own level and style, scores the
largest model of each level on every other test set (transfer), and writes
the figures as JSON. Training CPU time is measured with time.process_time(),
so it is the attacker's cost whatever else the machine is doing.

Usage: /usr/bin/python3 bench/learned/train.py --plan plan.json --out results.json [--threads 1]
"""

import argparse
import json
import math
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--plan", required=True, help="plan written by bench/learned.ts")
parser.add_argument("--out", required=True, help="where to write the results (JSON)")
parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch and BLAS (default 1)")
args = parser.parse_args()

# Before numpy and torch load: OpenBLAS and OpenMP read these once.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:
    sys.exit(f"bench:learned needs PyTorch for {sys.executable} (Debian: apt-get install python3-torch): {error}")

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data


class Dataset:
    """Images as float tensors (ink 1, paper 0), downscaled; labels as class indices (0 is CTC's blank)."""

    def __init__(self, entry, alphabet, scale):
        raw = np.fromfile(entry["file"], dtype=np.uint8)
        count = len(entry["labels"])
        images = torch.from_numpy(raw.reshape(count, 1, entry["height"], entry["width"]).copy())
        chunks = []
        for start in range(0, count, 2048):
            chunk = 1.0 - images[start : start + 2048].float() / 255.0
            chunks.append(F.avg_pool2d(chunk, scale) if scale > 1 else chunk)
        self.images = torch.cat(chunks) if chunks else torch.empty(0)
        self.labels = torch.tensor([[alphabet.index(c) + 1 for c in label] for label in entry["labels"]], dtype=torch.long)
        self.texts = entry["labels"]

    def __len__(self):
        return len(self.texts)


def augment(batch, strength):
    """Small random affine jitter and noise per image: the attacker's own renders never match a deployment exactly."""
    n = batch.shape[0]
    angle = (torch.rand(n) * 2 - 1) * 0.06 * strength
    scale = 1 + (torch.rand(n) * 2 - 1) * 0.06 * strength
    shear = (torch.rand(n) * 2 - 1) * 0.12 * strength
    tx = (torch.rand(n) * 2 - 1) * 0.05 * strength
    ty = (torch.rand(n) * 2 - 1) * 0.08 * strength
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    aspect = batch.shape[3] / batch.shape[2]
    theta = torch.stack(
        [
            torch.stack([cos, (-sin + shear) / aspect, tx], 1),
            torch.stack([sin * aspect, cos, ty], 1),
        ],
        1,
    )
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    out = F.grid_sample(batch, grid, align_corners=False, padding_mode="zeros")
    out = out * (0.8 + 0.4 * torch.rand(n, 1, 1, 1)) + 0.05 * strength * torch.randn_like(out)
    return out.clamp_(0, 1)


# ---------------------------------------------------------------- model


def conv(cin, cout, stride=1):
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class CRNN(nn.Module):
    """Conv features over the image, collapsed to one column per 4 input pixels, read left to right by a BiGRU."""

    def __init__(self, height, classes):
        super().__init__()
        self.features = nn.Sequential(
            *conv(1, 16, stride=2),
            *conv(16, 32),
            nn.MaxPool2d(2),
            *conv(32, 64),
            nn.MaxPool2d((2, 1)),
            *conv(64, 96),
            # Collapse the remaining rows into one feature vector per column.
            nn.Conv2d(96, 128, (height // 8, 1), bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Dropout(0.2),
        )
        self.rnn = nn.GRU(128, 96, bidirectional=True, batch_first=True)
        self.classify = nn.Linear(192, classes)

    def forward(self, x):
        columns = self.features(x).squeeze(2).permute(0, 2, 1)  # (batch, time, features)
        columns, _ = self.rnn(columns)
        return self.classify(columns)  # (batch, time, classes)


def greedy_decode(logits, alphabet):
    """Best class per column, repeats merged, blanks dropped."""
    texts = []
    for row in logits.argmax(2).tolist():
        chars, previous = [], 0
        for k in row:
            if k != previous and k != 0:
                chars.append(alphabet[k - 1])
            previous = k
        texts.append("".join(chars))
    return texts


def read_all(model, data, alphabet):
    model.eval()
    guesses = []
    with torch.no_grad():
        for start in range(0, len(data), 256):
            guesses += greedy_decode(model(data.images[start : start + 256]), alphabet)
    return guesses


def score(guesses, texts):
    """Exact solves, and characters right position by position (as bench:hardness counts them)."""
    exact = sum(g == t for g, t in zip(guesses, texts))
    chars = sum(sum(1 for i, c in enumerate(t) if i < len(g) and g[i] == c) for g, t in zip(guesses, texts))
    total = sum(len(t) for t in texts)
    return {"exact": exact / max(1, len(texts)), "perChar": chars / max(1, total)}


def train(name, train_data, size, val_data, plan, alphabet):
    budget = plan["budget"]
    torch.manual_seed(plan["seed"] + size)
    images, labels = train_data.images[:size], train_data.labels[:size]
    model = CRNN(images.shape[2], len(alphabet) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=budget["learningRate"])
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.3, patience=2)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    batch = budget["batch"]
    steps_per_epoch = max(1, -(-max(size, budget["minEpochImages"]) // batch))
    cpu_limit = budget.get("cpuMinutesPerModel")

    start = time.process_time()
    best, best_state, best_epoch, history = None, None, 0, []
    epoch = 0
    while epoch < budget["maxEpochs"]:
        epoch += 1
        model.train()
        total_loss = 0.0
        for step in range(1, steps_per_epoch + 1):
            pick = torch.randint(0, size, (batch,))
            x = images[pick]
            if budget["augment"]:
                x = augment(x, 1.0)
            log_probs = model(x).log_softmax(2).permute(1, 0, 2)  # (time, batch, classes) for CTCLoss
            steps = log_probs.shape[0]
            loss = ctc(log_probs, labels[pick], torch.full((batch,), steps, dtype=torch.long), torch.full((batch,), labels.shape[1], dtype=torch.long))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            total_loss += loss.item()
            if cpu_limit is not None:
                # With a fixed CPU budget, anneal over that budget (cosine), as one would over a fixed epoch count.
                done = (time.process_time() - start) / 60 / cpu_limit
                if done >= 1:
                    break
                for group in optimizer.param_groups:
                    group["lr"] = budget["learningRate"] * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * done)))
        # The attacker pays for validation too: it stays inside the timed loop.
        val = score(read_all(model, val_data, alphabet), val_data.texts)
        cpu = (time.process_time() - start) / 60
        history.append({"epoch": epoch, "cpuMinutes": round(cpu, 3), "valExact": val["exact"], "valPerChar": val["perChar"]})
        key = (val["exact"], val["perChar"])
        if best is None or key > best:
            best, best_epoch = key, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if cpu_limit is None:
            scheduler.step(val["exact"] + 0.1 * val["perChar"])
        lr = optimizer.param_groups[0]["lr"]
        log(f"{name} {size}: epoch {epoch} loss {total_loss / max(1, step):.3f} val {100 * val['exact']:.1f}% exact, {100 * val['perChar']:.1f}% chars, lr {lr:.1e}, {cpu:.2f} CPU-min")
        if epoch - best_epoch >= budget["patience"]:
            break
        if cpu_limit is not None and cpu >= cpu_limit:
            log(f"{name} {size}: CPU budget of {cpu_limit} min reached")
            break
    cpu_minutes = (time.process_time() - start) / 60
    model.load_state_dict(best_state)
    return model, {"trainImages": size, "epochs": epoch, "bestEpoch": best_epoch, "cpuMinutes": cpu_minutes, "history": history}


def blas_libraries():
    """Which BLAS this torch really calls: the reference BLAS makes training ~3x slower than an attacker's would be."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        with open("/proc/self/maps") as maps:
            found = sorted({line.split()[-1].rsplit("/", 2)[-2] for line in maps if "blas" in line.lower() and "/" in line})
    except OSError:
        found = []
    return found


def main():
    with open(args.plan) as f:
        plan = json.load(f)
    alphabet = plan["alphabet"]
    scale = plan["budget"]["scale"]
    blas = blas_libraries()
    if "blas" in blas:
        log("warning: torch is using the reference BLAS; CPU-minutes will be ~3x an attacker's (apt-get install libopenblas0-pthread)")

    datasets = {}

    def dataset(name):
        if name not in datasets:
            datasets[name] = Dataset(plan["datasets"][name], alphabet, scale)
        return datasets[name]

    tests = [(t, dataset(t["set"])) for t in plan["tests"]]
    curves, transfer, params = [], [], None
    for job in plan["train"]:
        level, style = job["level"], job["style"]
        train_data, val_data = dataset(job["train"]), dataset(job["val"])
        largest = None
        for size in job["sizes"]:
            model, result = train(f"{level}/{style}", train_data, size, val_data, plan, alphabet)
            params = sum(p.numel() for p in model.parameters())
            for test, data in tests:
                if test["level"] == level and test["style"] == style:
                    result.update(score(read_all(model, data, alphabet), data.texts), testImages=len(data))
            curves.append({"level": level, "style": style, **result})
            log(f"{level}/{style} {size}: test {100 * result.get('exact', 0):.1f}% exact, {100 * result.get('perChar', 0):.1f}% chars, {result['cpuMinutes']:.2f} CPU-min")
            largest = model
        for test, data in tests:
            if (test["level"], test["style"]) != (level, style):
                transfer.append(
                    {
                        "trainedOn": {"level": level, "style": style},
                        "trainImages": job["sizes"][-1],
                        "testedOn": {"level": test["level"], "style": test["style"]},
                        "testImages": len(data),
                        **score(read_all(largest, data, alphabet), data.texts),
                    }
                )
        del datasets[job["train"]]  # the largest set; tests and validation stay loaded

    results = {
        "model": {"kind": "CRNN (conv, BiGRU, CTC)", "parameters": params, "inputScale": scale},
        "torch": torch.__version__,
        "blas": blas,
        "threads": args.threads,
        "curves": curves,
        "transfer": transfer,
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


main()
