"""``python -m r2d2_formula``: the command-line interface (``r2d2-formula``)."""

from r2d2_formula._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
