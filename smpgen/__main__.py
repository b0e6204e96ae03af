"""``python -m smpgen``."""

from .cli import main

main()
