package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Which frame slots are live across each await of a lowered body: the values a suspension must save in the
 * continuation and its resumption reload (the JIT saves only those). A backward data-flow over the main code's
 * instructions; an instruction inside a try region may also go to a handler, so what any catch block needs (but the
 * exception object its funclet stores) and what any fault funclet reads is live there too.
 */
final class Liveness {
    private final List<Insn> insns;
    private final int slots;
    private final int[] labelAt;
    private final boolean[] inTry;

    private Liveness(List<Insn> insns, int labelCount, int slots) {
        this.insns = insns;
        this.slots = slots;
        this.labelAt = new int[labelCount];
        this.inTry = new boolean[insns.size()];
        int open = 0;
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in instanceof Insn.Label l) {
                labelAt[l.id()] = i;
            } else if (in instanceof Insn.TryBegin) {
                open++;
            } else if (in instanceof Insn.TryEnd) {
                open--;
            }
            inTry[i] = open > 0;
        }
    }

    /** For each await of {@code insns} by AwaitPoint.index, the slots live after it, its own result excluded. */
    static List<BitSet> liveAcrossAwaits(List<Insn> insns, List<Funclet> funclets, int labelCount, int slots) {
        return new Liveness(insns, labelCount, slots).run(funclets);
    }

    private List<BitSet> run(List<Funclet> funclets) {
        int n = insns.size();
        BitSet[] in = new BitSet[n];
        BitSet[] out = new BitSet[n];
        for (int i = 0; i < n; i++) {
            in[i] = new BitSet();
            out[i] = new BitSet();
        }
        BitSet faultUses = new BitSet();
        for (Funclet f : funclets) {
            for (Insn i : f.insns()) {
                uses(i, faultUses);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            BitSet handlers = (BitSet) faultUses.clone();
            for (Funclet f : funclets) {
                if (f.kind() == Funclet.Kind.CATCH) {
                    BitSet h = (BitSet) in[labelAt[f.resumeLabel()]].clone();
                    h.clear(f.exceptionSlot());
                    handlers.or(h);
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                Insn insn = insns.get(i);
                BitSet o = new BitSet();
                for (int s : successors(i)) {
                    o.or(in[s]);
                }
                if (inTry[i]) {
                    o.or(handlers);
                }
                BitSet x = (BitSet) o.clone();
                int def = def(insn);
                if (def >= 0) {
                    x.clear(def);
                }
                uses(insn, x);
                if (!o.equals(out[i]) || !x.equals(in[i])) {
                    out[i] = o;
                    in[i] = x;
                    changed = true;
                }
            }
        }
        // By AwaitPoint.index: an await's point is numbered before its arguments are lowered, so an await in the
        // arguments of another comes after it in the code but has the higher index.
        List<BitSet> across = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (insns.get(i) instanceof Insn.Await w) {
                BitSet live = (BitSet) out[i].clone();
                if (w.dst() >= 0) {
                    live.clear(w.dst());
                }
                live.clear(slots, Math.max(slots, live.length()));
                while (across.size() <= w.point().index()) {
                    across.add(null);
                }
                across.set(w.point().index(), live);
            }
        }
        return across;
    }

    private int[] successors(int i) {
        Insn insn = insns.get(i);
        boolean last = i + 1 >= insns.size();
        if (insn instanceof Insn.Jump j) {
            return new int[] {labelAt[j.label()]};
        } else if (insn instanceof Insn.Branch b) {
            return last ? new int[] {labelAt[b.label()]} : new int[] {labelAt[b.label()], i + 1};
        } else if (insn instanceof Insn.Return || insn instanceof Insn.Throw || insn instanceof Insn.Rethrow
                || insn instanceof Insn.TailCall || last) {
            return new int[0];
        }
        return new int[] {i + 1};
    }

    /** The slot {@code insn} writes, or -1. */
    private static int def(Insn insn) {
        if (insn instanceof Insn.Const c) {
            return c.dst();
        } else if (insn instanceof Insn.Move m) {
            return m.dst();
        } else if (insn instanceof Insn.Binary b) {
            return b.dst();
        } else if (insn instanceof Insn.Unary u) {
            return u.dst();
        } else if (insn instanceof Insn.Call c) {
            return c.dst();
        } else if (insn instanceof Insn.Await w) {
            return w.dst();
        } else if (insn instanceof Insn.ExceptionCode c) {
            return c.dst();
        } else if (insn instanceof Insn.NewObject o) {
            return o.dst();
        } else if (insn instanceof Insn.LoadField f) {
            return f.dst();
        }
        return -1;
    }

    /** Adds the slots {@code insn} reads to {@code into}. */
    private static void uses(Insn insn, BitSet into) {
        if (insn instanceof Insn.Move m) {
            into.set(m.src());
        } else if (insn instanceof Insn.Binary b) {
            into.set(b.a());
            into.set(b.b());
        } else if (insn instanceof Insn.Unary u) {
            into.set(u.a());
        } else if (insn instanceof Insn.Branch b) {
            into.set(b.slot());
        } else if (insn instanceof Insn.Call c) {
            c.args().forEach(into::set);
        } else if (insn instanceof Insn.Await w) {
            w.args().forEach(into::set);
        } else if (insn instanceof Insn.Return r && r.slot() >= 0) {
            into.set(r.slot());
        } else if (insn instanceof Insn.Throw t) {
            into.set(t.slot());
        } else if (insn instanceof Insn.Rethrow r) {
            into.set(r.objectSlot());
        } else if (insn instanceof Insn.ExceptionCode c) {
            into.set(c.objectSlot());
        } else if (insn instanceof Insn.TailCall t) {
            t.args().forEach(into::set);
        } else if (insn instanceof Insn.NewObject o) {
            o.args().forEach(into::set);
        } else if (insn instanceof Insn.LoadField f) {
            into.set(f.object());
        } else if (insn instanceof Insn.StoreField f) {
            into.set(f.object());
            into.set(f.src());
        }
    }
}
