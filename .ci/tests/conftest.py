import sys
from pathlib import Path

# The tooling's package, as the commands import it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
