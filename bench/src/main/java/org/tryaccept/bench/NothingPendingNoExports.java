package org.tryaccept.bench;

import org.openjdk.jmh.annotations.Fork;

/** The tryAccept rows of "nothing pending" without --add-exports: the flag-free fd discovery, cached per listener. */
@Fork(jvmArgsAppend = {Listeners.NATIVE})
public class NothingPendingNoExports extends NothingPendingBase {
    @Override
    protected String mode() {
        return "discovery";
    }
}
