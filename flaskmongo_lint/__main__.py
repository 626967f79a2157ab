"""Allow ``python -m flaskmongo_lint``."""
from flaskmongo_lint.cli import console

if __name__ == "__main__":
    console()
