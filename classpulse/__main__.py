"""``python -m classpulse`` runs the CLI."""

from classpulse.cli import main

main()
