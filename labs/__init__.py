"""Labs: one marimo notebook per day (``labs/day34.py``) over the learner's own code.

A lab imports the learner's exercise modules (``exercises/`` or ``--target``),
falls back to the reference solution where a function is still a stub, and
draws what the day teaches: attention heat maps, merge tables, latency curves.

- ``kit``     loading with fallback, and the figure/table/heading helpers labs use
- ``export``  runs a lab headless and writes a static, self-contained HTML page
- ``__main__`` the command line behind ``nox -s lab -- day34 [--export]``

marimo and matplotlib are only installed into the lab session's virtualenv, so
nothing under ``grader/`` imports this package.
"""
