"""Draw the figures of the README from the reference solutions.

Run from the repository root: ``.venv/bin/python docs/make_figures.py``.
"""

from pathlib import Path
import sys

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solutions import em_gmm  # noqa: E402

#: A poor start: two wide, equal bells sitting between the true ones.
START = {"weights": [0.5, 0.5], "means": [-1.0, 1.0], "variances": [4.0, 4.0]}


def em_history_figure(path: Path) -> None:
    """EM on the lesson's mixture, with the true parameters drawn as dashed lines."""
    x, _ = em_gmm.sample_mixture(500, seed=0)
    history = em_gmm.fit_gmm_em(x, **START, n_iter=20)
    fig = em_gmm.plot_em_history(history)
    truth = {0: em_gmm.TRUE_MEANS, 1: em_gmm.TRUE_VARIANCES, 2: em_gmm.TRUE_WEIGHTS}
    for index, values in truth.items():
        ax = fig.axes[index]
        for k, value in enumerate(values):
            colour = ax.get_lines()[k].get_color()
            ax.axhline(value, color=colour, linestyle="--", linewidth=1, alpha=0.6)
    fig.axes[0].plot([], [], color="0.4", linestyle="--", linewidth=1, label="true value")
    fig.axes[0].legend(frameon=False, loc="center right")
    fig.suptitle("EM on the lesson's mixture (n = 500) from a poor start; dashed lines: the truth",
                 fontsize=13)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    em_history_figure(Path(__file__).resolve().parent / "em_history.png")
