"""``python -m troupe_es`` runs the CLI (same as the ``troupe-es`` script)."""

from troupe_es.cli import main

main()
