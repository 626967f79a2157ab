"""flaskmongo-lint: a static security linter for Flask + PyMongo code."""

__version__ = "0.1.0"

# Where the project is published: SARIF's informationUri and the rules' helpUri are built from
# it. Set it to the repository's real address when it is hosted (README.md uses the same).
PROJECT_URL = "https://github.com/OWNER/flaskmongo-lint"
