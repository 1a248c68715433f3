#!/usr/bin/env python3
"""Write a synthetic electoral roll (CSV, docs/election.md) of N members, deterministic by seed.

    python3 bench/gen-roll.py 600000 --seed 1 > /tmp/roll-600k.csv

About 2% joined after the 2017-11-19 freeze date, 3% are in arrears, 1% share an email address
with another member, 5% have a postal address only; dates of birth from 1930 to 2001.
"""
import argparse
import random
import sys

FIRST = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kay", "Lee",
         "Mo", "Nia", "Owen", "Pat", "Raj", "Sue", "Tom", "Uma", "Val", "Wes", "Yan", "Zoe"]
LAST = ["Able", "Baker", "Cole", "Dee", "Eng", "Fox", "Gray", "Hunt", "Iqbal", "Jones", "Khan",
        "Lowe", "Moss", "Nash", "Okafor", "Patel", "Quinn", "Reid", "Shaw", "Taylor", "Udeh",
        "Vance", "Wood", "Young"]
CLPS = [f"CLP {i:03d}" for i in range(650)]


def day(rng, y0, y1):
    return f"{rng.randint(y0, y1):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    w = sys.stdout.write
    w("id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n")
    for i in range(a.n):
        mid = f"M{i:07d}"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        r = rng.random()
        if r < 0.05:
            email, address = "", f"{rng.randint(1, 200)} High Street;Town {i % 997};AB{i % 90} {i % 9}CD"
        elif r < 0.06:
            email, address = f"household{i // 2}@example.org", f"{i % 300} Mill Lane;Town {i % 13}"
        else:
            email, address = f"member{i}@example.org", ""
        r = rng.random()
        joined = day(rng, 2017, 2017)[:5] + "12-01" if r < 0.02 else day(rng, 1970, 2017)
        if joined > "2017-11-19" and r >= 0.02:
            joined = "2017-11-01"
        paid = day(rng, 2016, 2017) if rng.random() < 0.03 else day(rng, 2018, 2019)
        if paid >= "2017-11-19" and paid < "2018":
            paid = "2017-06-30"
        dob = day(rng, 1930, 2001)
        sd = "disabled" if rng.random() < 0.05 else ""
        w(f"{mid},{name},{email},\"{address}\",{joined},{paid},{dob},{sd},{rng.choice(CLPS)}\n")


if __name__ == "__main__":
    main()
