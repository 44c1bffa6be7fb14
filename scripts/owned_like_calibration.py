"""Calibrate "you already own something like this": shop-space distances between the demo catalogue and the
demo closet (both CC0, committed). Run: DJANGO_SETTINGS_MODULE=fashionsite.settings .venv/bin/python scripts/owned_like_calibration.py"""
import django

django.setup()
import csv
import glob

import numpy as np
from PIL import Image
from closet import inference
from closet.photos import photo_open_for_pipeline
from shop.inference import colour_feature, product_colour_feature, shop_vectors
def colours(paths, product):  # the shop head's colour input, as the catalogue import / closet ingest compute it
  out=[]
  for f in paths:
    rgb=np.asarray(photo_open_for_pipeline(f, 512)); mask=inference.cutout(rgb).mask
    out.append(product_colour_feature(rgb, mask) if product else colour_feature(rgb, mask))
  return out
rows=list(csv.DictReader(open('shop/demo_catalog/catalog.csv')))
pf=['shop/demo_catalog/images/'+r['images'] for r in rows]
P=shop_vectors(np.stack([p['embedding'] for p in inference.classify([Image.open(f).convert('RGB') for f in pf])]), colours(pf, True))
pc=[r['category'] for r in rows]
files=sorted(glob.glob('closet/demo_photos/*.jpg'))
G=shop_vectors(np.stack([p['embedding'] for p in inference.classify([Image.open(f).convert('RGB') for f in files])]), colours(files, False))
gc=[f.split('/')[-1].split('-')[0] for f in files]
m={'t':'tshirt','outwear':'outerwear'}
gc=[m.get(c,c) for c in gc]
D=1-P@G.T
same=[];diff=[]
for i in range(len(P)):
  j=np.argmin(D[i]); (same if gc[j]==pc[i] else diff).append(D[i,j])
print('nearest same-cat', np.percentile(same,[10,50,90]).round(3), len(same)); print('nearest diff-cat', np.round(sorted(diff),3))
print('all same-cat pairs', np.percentile([D[i,j] for i in range(len(P)) for j in range(len(G)) if gc[j]==pc[i]],[5,25,50]).round(3))
print('all diff-cat pairs', np.percentile([D[i,j] for i in range(len(P)) for j in range(len(G)) if gc[j]!=pc[i]],[5,25,50]).round(3))
