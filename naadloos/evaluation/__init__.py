"""Measuring the assistant, for the report scripts (`make test-nlu`, `make test-escalation`) and the
tests: the evaluation sets (`sets`), the figures computed on them (`metrics`) and loading the
trained model to run them (`model`); and the check that every sensitive topic of
config/escalation.yml is in the domain, the data, the evaluation sets and the test stories
(`escalation_wiring`, run by `make validate`); the speed benchmark of `make bench` (`bench`) and the
project's services as real processes, for it and the tests (`processes`). Development tooling on
top of everything; the running assistant never imports it."""
