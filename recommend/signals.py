"""Worker start-up: the grader and the text encoder load once, before the pool forks; each child then encodes the
wish phrases (ml.wish) once."""

from celery.signals import worker_init, worker_process_init


@worker_init.connect
def load_outfit_models(**kwargs):
    from recommend import inference

    inference.grader()
    inference._text_encoder()  # load only: no forward pass before the fork


@worker_process_init.connect
def read_wishes_ready(**kwargs):
    from recommend import inference

    inference.wish_reader()  # the wish phrases' vectors, encoded in each child (a forward pass, so after the fork)
