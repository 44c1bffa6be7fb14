from celery import shared_task

from tryon import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def preview_task(preview_id: int) -> None:
    """Make one try-on preview (routed to the `gpu` queue); a redelivery redoes it in place."""
    services.preview_run(preview_id=preview_id)
