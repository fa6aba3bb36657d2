"""The feedback page's maths and widgets, offline (autograder/routes/nbgrader_feedback_page.py)."""

import nbformat

from autograder.routes.nbgrader_feedback_page import (WIDGET_VIEW, OfflineFeedbackPage, latex_output_html,
                                                      markdown_with_mathml, tex_to_mathml)


def test_tex_becomes_mathml():
    markup = tex_to_mathml(r"\frac{n}{2\sigma^2}\,\text{MSE}", display=True)
    assert markup.startswith('<math display="block">') and "<mfrac>" in markup and "MSE" in markup


def test_markup_smuggled_in_tex_is_never_passed_on():
    """A student's Markdown is their own text: what the allow-list does not read stays TeX, as text."""
    assert tex_to_mathml(r"\text{<script>alert(1)</script>}") is None
    text = markdown_with_mathml(r"see $\text{<img src=x onerror=alert(1)>}$ here")
    assert "<img" not in text.replace(r"$\text{<img src=x onerror=alert(1)>}$", "")
    assert "<script" not in latex_output_html(r"$\text{<script>alert(1)</script>}$")


def test_markdown_maths_and_code_spans():
    text = markdown_with_mathml("the MSE times $n/(2\\sigma^2)$, and `a $b$ c` in code\n\n$$x^2$$")
    assert text.count("<math") == 2
    assert "`a $b$ c`" in text
    assert "$" not in text.replace("`a $b$ c`", "")


def test_the_page_keeps_the_explorer_picture_and_no_widget_state():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("likelihood_explorer(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW: {"model_id": "abc"}, "image/png": "iVBORw0KGgo=", "text/plain": "explorer"}),
        nbformat.v4.new_output("display_data", data={"text/latex": "$\\displaystyle \\sum_{i=1}^{n} x_i$",
                                                     "text/plain": "Sum(x[i], (i, 1, n))"})]
    nb.cells = [nbformat.v4.new_markdown_cell("$$\\ell(\\mu)$$"), cell]
    nb, _ = OfflineFeedbackPage().preprocess(nb, {})
    assert "widgets" not in nb.metadata
    assert set(cell.outputs[0].data) == {"image/png", "text/plain"}
    assert "<math" in cell.outputs[1].data["text/html"] and "text/latex" not in cell.outputs[1].data
    assert "<math" in nb.cells[0].source
