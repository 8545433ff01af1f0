"""`make bench` (scripts/bench.py): our assistant as `make run` starts it next to a plain `rasa init`
bot of the same Rasa version, both driven with the same bounded concurrent load through Rasa's REST
channel. The messages (`mix`), the plain bot (`baseline`), the load (`load`), the figures
(`figures`) and how they are shown and stored (`report`)."""
