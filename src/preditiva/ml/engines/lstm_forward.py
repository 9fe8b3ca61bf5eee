"""The trained LSTM's forward pass in NumPy, so serving needs neither torch nor its threads.

PyTorch's equations (``torch.nn.LSTM``, gates in the order input, forget, cell, output)::

    gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)

layer after layer, then the linear head on the last hidden state. It runs in float64 on the
float32 weights, single-threaded and without shared state: the same weights and window give
the same numbers in any process, thread or order of calls, and importing it costs nothing
(torch takes seconds to import and spins up a thread pool a one-window call does not need).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def forward(
    weights: Mapping[str, npt.NDArray[np.float32]], inputs: FloatArray, *, num_layers: int
) -> FloatArray:
    """``(batch, steps)`` scaled inputs to ``(batch, horizon)`` outputs."""
    sequence = np.asarray(inputs, dtype=np.float64)[:, :, np.newaxis]
    for layer in range(num_layers):
        sequence = _layer(
            sequence,
            *(
                np.asarray(weights[f"lstm.{name}_l{layer}"], dtype=np.float64)
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            ),
        )
    head_weight = np.asarray(weights["head.weight"], dtype=np.float64)
    head_bias = np.asarray(weights["head.bias"], dtype=np.float64)
    result: FloatArray = sequence[:, -1, :] @ head_weight.T + head_bias
    return result


def _layer(
    sequence: FloatArray,
    weight_ih: FloatArray,
    weight_hh: FloatArray,
    bias_ih: FloatArray,
    bias_hh: FloatArray,
) -> FloatArray:
    """One LSTM layer over ``(batch, steps, features)``; the hidden state at every step."""
    batch, steps, _ = sequence.shape
    hidden_size = weight_hh.shape[1]
    projected = sequence @ weight_ih.T + (bias_ih + bias_hh)
    hidden = np.zeros((batch, hidden_size))
    cell = np.zeros((batch, hidden_size))
    outputs = np.empty((batch, steps, hidden_size))
    recurrent = weight_hh.T
    size = hidden_size
    for step in range(steps):
        gates = projected[:, step, :] + hidden @ recurrent
        # the logistic function through tanh, which cannot overflow (one call for all gates)
        sigmoid = 0.5 + 0.5 * np.tanh(0.5 * gates)
        candidate = np.tanh(gates[:, 2 * size : 3 * size])
        cell = sigmoid[:, size : 2 * size] * cell + sigmoid[:, :size] * candidate
        hidden = sigmoid[:, 3 * size :] * np.tanh(cell)
        outputs[:, step, :] = hidden
    return outputs
