"""Allow ``python -m flaskmongo_lint``."""
from flaskmongo_lint.cli import main

if __name__ == "__main__":
    main()
