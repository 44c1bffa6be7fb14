from celery import shared_task

from closet import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def ingest_photo_task(job_id: int) -> None:
    """Process one uploaded photo (routed to the `gpu` queue by CELERY_TASK_ROUTES).

    Idempotent: the job claim turns duplicates and redeliveries into no-ops.
    """
    try:
        services.job_run(job_id=job_id)
    except services.JobNotClaimed:
        pass


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recut_task(garment_id: int) -> None:
    """Redo one garment's cut-out as its owner chose (routed to the `gpu` queue); repeating it is harmless."""
    from closet.models import Garment

    try:
        services.garment_recut_run(garment_id=garment_id)
    except Garment.DoesNotExist:
        pass  # deleted meanwhile
