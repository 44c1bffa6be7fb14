from celery import shared_task

from wearlog import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def detect_outfit_task(outfit_photo_id: int) -> None:
    """Find the garments in one outfit photo (routed to the `gpu` queue); the claim makes a redelivery harmless."""
    services.outfit_photo_detect(outfit_photo_id=outfit_photo_id)
