import sys

# The command line never uses TensorFlow, yet spaCy's thinc imports it whenever it is installed
# (Rasa installs it): about three seconds and 350 MB per command. None in sys.modules makes that
# import fail, which thinc takes to mean "not installed".
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

from bot.cli import main  # noqa: E402 - after the line above, on purpose

sys.exit(main())
