"""``python -m scoring_service.synth``: rewrite the demo fixtures (or one bundle, ``--year``)."""

from scoring_service.synth.demo import main

main()
