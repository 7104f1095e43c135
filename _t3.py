import sqlite3, time, glob
path = open(glob.glob('/tmp/ticketdesk-bench-search-10000-*/built')[0]).read()
c = sqlite3.connect(path)
q = '"veldorzu"'
M = "WITH m AS MATERIALIZED (SELECT rowid AS doc_id, bm25(search_index, 10.0, 4.0, 0.0) AS main, bm25(search_index, 0.0, 0.0, 1.0) AS side FROM search_index WHERE search_index MATCH ?) "
B1 = "SELECT m.main AS rank, 0 AS kind, d.doc_id, d.ref_id FROM m JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.main < 0 AND d.kind='ticket'"
B2 = "SELECT m.side AS rank, 1 AS kind, d.doc_id, d.ref_id FROM m JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.side < 0 AND d.kind='ticket'"
B3 = "SELECT m.main AS rank, 2 AS kind, d.doc_id, d.ref_id FROM m JOIN search_docs d ON d.doc_id = m.doc_id WHERE m.main < 0 AND d.kind='article'"
for sql in [M+B1+" UNION ALL "+B2,
            M+"SELECT * FROM ("+B1+" UNION ALL "+B2+") ORDER BY rank, kind, doc_id LIMIT 51",
            M+"SELECT * FROM ("+B1+" UNION ALL "+B2+" UNION ALL "+B3+") ORDER BY rank, kind, doc_id LIMIT 51",
            M+", f AS MATERIALIZED ("+B1+" UNION ALL "+B2+" UNION ALL "+B3+") SELECT * FROM f ORDER BY rank, kind, doc_id LIMIT 51",
            ]:
    for _ in range(3):
        t=time.perf_counter(); n=len(c.execute(sql,(q,)).fetchall()); dt=(time.perf_counter()-t)*1000
    print(n, f"{dt:.2f} ms", sql[-100:])
