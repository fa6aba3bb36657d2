"""A notebook kernel started with the allow-list an earlier kernel kept: it skips the warm
imports (seconds per notebook), yet imports the whole scientific stack confined, and the
kernel layers hold as before."""

import asyncio
import json

import pytest

from autograder.sandbox import isolation

pytestmark = pytest.mark.skipif(isolation.missing_layers(isolation.probe()) != [],
                                reason="the kernel layers do not hold here")

FIRST = "import sys; print(sorted(m for m in ('scipy.optimize', 'matplotlib.pyplot') if m in sys.modules))"
STACK = """
import numpy as np, scipy.optimize, scipy.stats, sympy, matplotlib.pyplot as plt
fig, ax = plt.subplots(); ax.plot([0, 1], [1, 0]); fig.canvas.draw()
print(scipy.optimize.minimize(lambda v: (v[0] - 2) ** 2, [0.0]).x.round(3).tolist(),
      round(float(scipy.stats.norm.logpdf(0.0)), 4), sympy.diff(sympy.Symbol('x') ** 2))
"""


async def _run(folder, *codes):
    from autograder.routes.nbgrader_kernel import ConfinedKernelManager

    manager = ConfinedKernelManager(kernel_name="python3")
    await manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    outputs = []
    try:
        await client.wait_for_ready(timeout=120)
        for code in codes:
            lines = []
            reply = await client.execute_interactive(
                code, timeout=120, output_hook=lambda m: lines.append(m["content"].get("text", "")
                                                                         or m["content"].get("evalue", "")))
            outputs.append((reply["content"]["status"], "".join(lines).strip()))
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return outputs


@pytest.mark.slow
def test_a_kernel_with_a_kept_list_imports_the_stack_confined(tmp_path):
    secret = tmp_path / "gradebook.db"
    secret.write_text("scores")
    folder = tmp_path / "student"
    folder.mkdir()
    asyncio.run(_run(folder, "pass"))  # computes and keeps the list if no earlier kernel did
    (_, warm), (stack, printed), (leak, refused) = asyncio.run(
        _run(folder, FIRST, STACK, f"open({json.dumps(str(secret))}).read()"))
    assert warm == "[]", f"the warm imports ran although the list was kept: {warm}"
    assert stack == "ok" and printed == "[2.0] -0.9189 2*x", printed
    assert leak == "error" and "Permission denied" in refused
