import sys, statistics as st, collections
d=collections.defaultdict(lambda: collections.defaultdict(list))
order=[]
rows=[l.split() for l in open(sys.argv[1])]
# group per run: a run starts at first phase
runs={'A':[], 'B':[]}
for v,p,t in rows:
    if p=='sealed-copy' or not runs[v] or p in runs[v][-1]:
        runs[v].append({})
    runs[v][-1][p]=int(t)
    if p not in order: order.append(p)
print("%-14s %9s %9s   (median delta ms)"%("phase","A","B"))
for i,p in enumerate(order):
    if i==0: continue
    q=order[i-1]
    r=[]
    for v in 'AB':
        ds=[(x[p]-x[q])/1000 for x in runs[v] if p in x and q in x]
        r.append(st.median(ds) if ds else float('nan'))
    print("%-14s %9.2f %9.2f"%(p,r[0],r[1]))
for v in 'AB':
    tot=[x[order[-1]]/1000 for x in runs[v] if order[-1] in x]
    print(v,"total median %.2f n=%d"%(st.median(tot),len(tot)))
