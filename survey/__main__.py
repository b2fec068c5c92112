"""`python -m survey`: the same entry point as the `survey` command."""

from survey.cli.app import main

if __name__ == "__main__":
    main()
