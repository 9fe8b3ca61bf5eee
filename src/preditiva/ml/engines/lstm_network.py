"""The network behind the ``lstm`` engine, its reproducible training loop, weights as arrays.

Training runs under fixed settings, so the same examples give the same weights bit for bit:
inside a forked CPU random state (the caller's global torch state is left as it was) the
seed is set and one intra-op thread is used (the count in force before is restored after);
the batches are shuffled by a generator seeded the same way. Every operation used (LSTM,
linear, MSE, Adam) is deterministic on CPU at a fixed thread count, so
``torch.use_deterministic_algorithms`` is not called: it imports torch's compiler stack,
5 to 8 seconds per process here, for no change in the result (the tests check that two
fits give identical weights). For the same reason Adam is written out here (``Adam``)
rather than taken from ``torch.optim``, whose classes import that stack on first use.
Weights leave as NumPy arrays (a plain, picklable form);
``network_from_weights`` rebuilds a torch network from them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

FloatArray = npt.NDArray[np.float64]
#: The network's parameters by ``state_dict`` name, as float32 arrays.
Weights = Mapping[str, npt.NDArray[np.float32]]
#: Gradients are clipped to this norm: one spiky batch must not wreck the weights.
MAX_GRADIENT_NORM = 1.0


class LSTMNetwork(nn.Module):
    """Stacked LSTM over a window of scaled steps; a linear head gives ``horizon`` steps."""

    def __init__(self, *, hidden_size: int, num_layers: int, horizon: int) -> None:
        """One input feature per time step (the scaled step), ``horizon`` outputs."""
        super().__init__()
        self.lstm = nn.LSTM(
            input_size=1, hidden_size=hidden_size, num_layers=num_layers, batch_first=True
        )
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(batch, steps, 1)`` in, ``(batch, horizon)`` out, read from the last hidden state."""
        output, _ = self.lstm(inputs)
        result: torch.Tensor = self.head(output[:, -1, :])
        return result


class Adam:
    """Adam (Kingma and Ba, 2015) with torch's defaults, the update ``torch.optim.Adam`` makes."""

    def __init__(
        self,
        parameters: Iterable[nn.Parameter],
        *,
        learning_rate: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        """Zeroed first and second moments for each parameter."""
        self.parameters = list(parameters)
        self.learning_rate = learning_rate
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.first = [torch.zeros_like(parameter) for parameter in self.parameters]
        self.second = [torch.zeros_like(parameter) for parameter in self.parameters]

    def zero_grad(self) -> None:
        """Forget the gradients of the last batch."""
        for parameter in self.parameters:
            parameter.grad = None

    def step(self) -> None:
        """Move each parameter against its bias-corrected, moment-scaled gradient."""
        self.steps += 1
        beta1, beta2 = self.betas
        correction1 = 1 - beta1**self.steps
        correction2 = math.sqrt(1 - beta2**self.steps)
        with torch.no_grad():
            for parameter, first, second in zip(
                self.parameters, self.first, self.second, strict=True
            ):
                if parameter.grad is None:
                    continue
                grad = parameter.grad
                first.mul_(beta1).add_(grad, alpha=1 - beta1)
                second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denominator = (second.sqrt() / correction2).add_(self.eps)
                parameter.addcdiv_(first, denominator, value=-self.learning_rate / correction1)


@dataclass(frozen=True)
class TrainingSettings:
    """The hyper-parameters of one training run."""

    hidden_size: int
    num_layers: int
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int
    seed: int


@dataclass(frozen=True)
class TrainingResult:
    """The weights of the best epoch on the validation examples, and how training went."""

    weights: Weights
    best_epoch: int
    epochs_run: int
    validation_loss: float


@contextmanager
def reproducible(seed: int) -> Iterator[None]:
    """Seeded, single-threaded torch; the random state and thread count come back after."""
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def train_network(
    train: tuple[FloatArray, FloatArray],
    validation: tuple[FloatArray, FloatArray],
    settings: TrainingSettings,
) -> TrainingResult:
    """Fit on ``(inputs, targets)`` with Adam and MSE; keep the best epoch on validation.

    Training stops after ``patience`` epochs without a new best validation loss.
    """
    train_x, train_y = _tensors(*train)
    val_x, val_y = _tensors(*validation)
    with reproducible(settings.seed):
        network = LSTMNetwork(
            hidden_size=settings.hidden_size,
            num_layers=settings.num_layers,
            horizon=train_y.shape[1],
        )
        optimiser = Adam(network.parameters(), learning_rate=settings.learning_rate)
        shuffler = torch.Generator().manual_seed(settings.seed)
        loss_of = nn.MSELoss()
        best_loss, best_epoch, best_state = math.inf, 0, copy.deepcopy(network.state_dict())
        epoch = 0
        for epoch in range(1, settings.epochs + 1):
            network.train()
            order = torch.randperm(len(train_x), generator=shuffler)
            for start in range(0, len(order), settings.batch_size):
                batch = order[start : start + settings.batch_size]
                optimiser.zero_grad()
                loss = loss_of(network(train_x[batch]), train_y[batch])
                loss.backward()
                nn.utils.clip_grad_norm_(network.parameters(), MAX_GRADIENT_NORM)
                optimiser.step()
            network.eval()
            with torch.no_grad():
                validation_loss = float(loss_of(network(val_x), val_y))
            if validation_loss < best_loss:
                best_loss, best_epoch = validation_loss, epoch
                best_state = copy.deepcopy(network.state_dict())
            elif epoch - best_epoch >= settings.patience:
                break
    weights = {name: tensor.detach().numpy().copy() for name, tensor in best_state.items()}
    return TrainingResult(
        weights=weights, best_epoch=best_epoch, epochs_run=epoch, validation_loss=best_loss
    )


def network_from_weights(weights: Weights, *, hidden_size: int, num_layers: int) -> LSTMNetwork:
    """A network in evaluation mode holding exactly these weights."""
    horizon = int(weights["head.bias"].shape[0])
    network = LSTMNetwork(hidden_size=hidden_size, num_layers=num_layers, horizon=horizon)
    network.load_state_dict(
        {name: torch.from_numpy(array.copy()) for name, array in weights.items()}
    )
    network.eval()
    return network


def run_network(network: LSTMNetwork, inputs: FloatArray) -> FloatArray:
    """The network's outputs for ``(batch, steps)`` scaled inputs, as float64."""
    with torch.inference_mode():
        output: torch.Tensor = network(torch.from_numpy(inputs.astype(np.float32)).unsqueeze(-1))
    result: FloatArray = output.numpy().astype(np.float64)
    return result


def _tensors(inputs: FloatArray, targets: FloatArray) -> tuple[torch.Tensor, torch.Tensor]:
    """``(examples, steps, 1)`` inputs and ``(examples, horizon)`` targets, as float32."""
    x = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)).unsqueeze(-1)
    return x, torch.from_numpy(np.ascontiguousarray(targets, dtype=np.float32))
