"""Storage on real SQLite and PostgreSQL: queries, migrations, roll-ups, pools, erasure and retention."""
