import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import numpy as np

    from labs import kit

    attention = kit.modules("day34", "attention.py")
    return attention, kit, np


@app.cell
def _(attention, kit, np):

    out = kit.call(attention, "causal_mask", 5)
    fig, ax = kit.plt.subplots(figsize=(4, 3))
    ax.imshow(out.value)
    kit.stack(kit.note("## Causal mask"), kit.figure(fig, "the causal mask", out.label))
    return


if __name__ == "__main__":
    app.run()
