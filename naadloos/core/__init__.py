"""The shared core of the bot side, imported by every layer above it and importing none of them:
settings (`environment` reads every variable, `settings` holds the bot side's), organisation facts
and Dutch public holidays (`organisation`, `holidays`), parsing of what customers type (`parsing`,
`answers`), what the NLU components add to a message (`parse_data`), small file, JSON and retry helpers
(`yaml_file`, `local_db`, `json_object`, `backoff`) and the Rasa launcher that keeps its token off the command line
(`rasa_server`)."""
