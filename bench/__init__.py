"""Load and latency benchmarks, printed as plain-text tables (`make bench`).

Each benchmark is a module here with `main(argv: list[str]) -> int`; `python -m bench` runs
them all (or those named with `--only`) and passes every other argument through, so a module
parses the flags it knows with `parse_known_args` and ignores the rest. `--quick` is common to
all: a short, small run for checking that a benchmark still works. Helper modules start with
an underscore and are not run.
"""
