"""The benchmarks of r2d2_formula: run them with ``python -m benchmarks`` (``--list``).

Each module is one benchmark with a ``main(argv)`` taking its command-line options;
:mod:`benchmarks._harness` is what they share (one timed and diagnosed fit, fresh
processes, markdown tables) and :mod:`benchmarks.sbc_stats` the statistics of the
simulation-based calibration. Tables go to ``benchmarks/results/``.
"""
