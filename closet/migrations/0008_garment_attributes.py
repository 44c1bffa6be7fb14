from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("closet", "0007_garment_shop_embedding"),
    ]

    operations = [
        migrations.AddField(
            model_name="garment",
            name="attributes",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
