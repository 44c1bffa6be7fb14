"""Worker start-up: the grader and the text encoder load once, before the pool forks."""

from celery.signals import worker_init


@worker_init.connect
def load_outfit_models(**kwargs):
    from recommend import inference

    inference.grader()
    inference._text_encoder()  # load only: no forward pass before the fork
