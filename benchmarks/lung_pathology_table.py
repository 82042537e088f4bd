"""Measure segment_lungs on every pathology phantom; prints the table of docs/lungs.md.

    python benchmarks/lung_pathology_table.py
"""
import numpy as np, time
from ctvis.core.phantom import make_phantom
from ctvis.core.lungs import segment_lungs, lung_warnings
def dice(a,b): return 2*(a&b).sum()/(a.sum()+b.sum())
cases=["none","nodule","mass","consolidation","effusion","blocked_bronchus","neck","tube","deviated_trachea","carina_low","carina_high","small_lung"]
print("| phantom (80×160², 3.75×2.19 mm) | Dice right / left | trachea + main bronchi labelled lung | pathology in default mask / in `--aerated` | heart / liver dome inside | warnings |")
print("|---|---|---|---|---|---|")
for p in cases:
    names=() if p=='none' else (p,)
    kw=dict(shape=(100,160,160), spacing=(4.0,350/160,350/160)) if p=='neck' else dict(shape=(80,160,160))
    ph=make_phantom(pathology=names,**kw); v=ph.volume; info={}
    lab=segment_lungs(v,info=info); aer=segment_lungs(v,aerated=True); r=ph.regions; m=lab>0
    reg={'blocked_bronchus':'plug'}.get(p,p)
    path='–'
    if reg in r and reg not in ('neck',):
        path=f"{100*m[r[reg]].mean():.1f} % / {100*(aer>0)[r[reg]].mean():.1f} %"
    w=lung_warnings(v,lab,info)
    print(f"| {p} | {dice(lab==1,ph.lungs==1):.3f} / {dice(lab==2,ph.lungs==2):.3f} | {100*m[r['airway']].mean():.2f} % | {path} | {100*m[r['heart']].mean():.2f} % / {100*m[r['liver_dome']].mean():.2f} % | {'; '.join(w) if w else '–'} |")
