"""Cross-cutting pieces every domain uses: database base, errors, auth, pagination, helpers."""
