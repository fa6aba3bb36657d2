"""Plots and helpers for the exercise notebooks; you do not need to edit this file.

It draws the likelihood explorer, the soft-versus-hard comparison and loads
the functions you wrote in another notebook of this folder. Nothing here is
an answer to an exercise: every number it shows comes from your functions.
"""

import json
import math
import types
from pathlib import Path

import numpy as np

#: Cells the notebook loader skips: tests and the tagged demonstration cells.
DEMO_TAG = "demo"


# --------------------------------------------------------------------------
# Using the functions of another notebook (exercise 4 compares with exercise 3)
# --------------------------------------------------------------------------

def notebook_module(name, folder="."):
    """Run the setup and answer cells of ``<name>.ipynb`` and return them as a module.

    Test cells and demonstration cells are skipped, as are IPython magics,
    so only your definitions run.
    """
    path = Path(folder) / f"{name}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    module = types.ModuleType(name)
    module.__file__ = str(path)
    for cell in cells:
        meta = cell.get("metadata", {})
        grading = meta.get("nbgrader", {})
        if cell.get("cell_type") != "code" or (grading.get("grade") and not grading.get("solution")):
            continue
        if DEMO_TAG in meta.get("tags", []):
            continue
        source = "".join(cell.get("source", ""))
        if source.lstrip().startswith("%%"):
            continue
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        exec(compile(code, f"{name}.ipynb", "exec"), module.__dict__)
    return module


# --------------------------------------------------------------------------
# Exercise 1: the likelihood explorer
# --------------------------------------------------------------------------

def _normal_density(x, mu, sigma):
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _read_out(log_likelihood, x, mu, sigma):
    """The log-likelihood as your function computes it, or a note if it is not written yet."""
    if log_likelihood is None:
        return ""
    try:
        value = log_likelihood(x, mu, sigma)
    except NotImplementedError:
        return "log-likelihood: write gaussian_log_likelihood to see it here"
    except Exception as exc:  # the student's function is still in progress
        return f"log-likelihood: your function raised {type(exc).__name__}"
    return f"log-likelihood = {float(value):.2f}"


def likelihood_figure(x, mu, sigma, log_likelihood=None, ax=None):
    """The density N(mu, sigma^2) over the data, one stem per point coloured by its density.

    Green stems are points the curve finds plausible, red ones points it
    finds surprising; the title reads out ``log_likelihood(x, mu, sigma)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    x = np.asarray(x, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    span = max(x.max() - x.min(), 1.0)
    grid = np.linspace(x.min() - 0.4 * span, x.max() + 0.4 * span, 400)
    peak = _normal_density(mu, mu, sigma)
    heights = _normal_density(x, mu, sigma)
    colours = plt.get_cmap("RdYlGn")(np.clip(heights / peak, 0, 1))
    ax.plot(grid, _normal_density(grid, mu, sigma), color="black", lw=1.5,
            label=f"N(mu={mu:.1f}, sigma={sigma:.1f})")
    stems = LineCollection([[(xi, 0.0), (xi, hi)] for xi, hi in zip(x, heights)],
                           colors=colours, linewidths=2)
    ax.add_collection(stems)
    ax.scatter(x, np.zeros_like(x), c=colours, edgecolors="black", zorder=3, s=25, label="data")
    ax.set_xlabel("tempo (BPM)")
    ax.set_ylabel("density")
    ax.set_ylim(0, max(peak, 1e-12) * 1.15)
    read_out = _read_out(log_likelihood, x, mu, sigma)
    ax.set_title("How plausible is each tempo?" + (f"   {read_out}" if read_out else ""))
    ax.legend(loc="upper right", fontsize="small")
    return fig


def likelihood_explorer(x, log_likelihood=None, mu=110.0, sigma=20.0):
    """Sliders for mu and sigma over the data; a static plot where widgets cannot run.

    The display carries both the widget and a picture at the starting
    values: JupyterLab shows the sliders, a viewer without widgets (GitHub,
    nbviewer, a converted HTML page) shows the picture.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    x = np.asarray(x, dtype=float)
    static = likelihood_figure(x, mu, sigma, log_likelihood)
    picture = _png(static)
    plt.close(static)
    try:
        import ipywidgets as widgets
    except ImportError:
        display({"image/png": picture, "text/plain": "likelihood explorer (static)"}, raw=True)
        return None
    spread = max(float(np.ptp(x)), 1.0)
    mu_slider = widgets.FloatSlider(value=mu, min=float(x.min()) - 0.3 * spread,
                                    max=float(x.max()) + 0.3 * spread, step=0.1, description="mu")
    sigma_slider = widgets.FloatSlider(value=sigma, min=0.05 * spread, max=spread, step=0.1,
                                       description="sigma")
    out = widgets.Output()

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            fig = likelihood_figure(x, mu_slider.value, sigma_slider.value, log_likelihood)
            display(fig)
            plt.close(fig)

    mu_slider.observe(redraw, names="value")
    sigma_slider.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox([mu_slider, sigma_slider]), out])
    bundle = box._repr_mimebundle_()
    bundle["image/png"] = picture
    display(bundle, raw=True)
    return box


def _png(fig):
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------------------
# Exercise 4: soft (EM) against hard (k-means) assignments
# --------------------------------------------------------------------------

def plot_soft_vs_hard(x, resp, labels, means=None, centers=None):
    """Each point's EM responsibility for component 1 next to its k-means label.

    EM hedges near the overlap (responsibilities between 0 and 1); k-means
    commits every point to one cluster (0 or 1).
    """
    import matplotlib.pyplot as plt

    x = np.asarray(x, dtype=float)
    order = np.argsort(x)
    soft = np.asarray(resp, dtype=float)[:, -1]
    hard = np.asarray(labels, dtype=float)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.scatter(x, soft, c=soft, cmap="coolwarm", vmin=0, vmax=1, s=12, edgecolors="none",
                label="EM responsibility")
    top.plot(x[order], soft[order], color="grey", lw=0.8, alpha=0.6)
    top.set_ylabel("responsibility of component 1")
    top.set_title("Soft assignments (EM): a probability per point")
    bottom.scatter(x, hard, c=hard, cmap="coolwarm", vmin=0, vmax=1, s=12, edgecolors="none",
                   label="k-means label")
    bottom.set_ylabel("k-means label")
    bottom.set_yticks([0, 1])
    bottom.set_title("Hard assignments (k-means): every point picks one cluster")
    bottom.set_xlabel("x")
    for ax in (top, bottom):
        ax.set_ylim(-0.1, 1.1)
        ax.grid(alpha=0.3)
    for value in np.atleast_1d(means if means is not None else []):
        top.axvline(value, color="black", ls="--", lw=0.8)
    for value in np.atleast_1d(centers if centers is not None else []):
        bottom.axvline(value, color="black", ls=":", lw=0.8)
    fig.tight_layout()
    return fig
