package org.tryaccept.bench;

import org.openjdk.jmh.annotations.Fork;

/** The tryAccept rows of "nothing pending" in the fastest fd-access mode (jdk-acceptlock, --add-opens). */
@Fork(jvmArgsAppend = {Listeners.NATIVE, Listeners.OPENS})
public class NothingPendingAddOpens extends NothingPendingBase {
    @Override
    protected String mode() {
        return "jdk-acceptlock";
    }
}
