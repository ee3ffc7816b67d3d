package org.tryaccept.bench;

import org.openjdk.jmh.annotations.Fork;

/** The tryAccept rows of the accept cycle without --add-exports (flag-free fd discovery, cached). */
@Fork(jvmArgsAppend = {Listeners.NATIVE})
public class AcceptCycleNoExports extends AcceptCycleBase {
    @Override
    protected String mode() {
        return "discovery";
    }
}
