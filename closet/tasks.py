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
