package dev.tdsr.engine;

/**
 * A queue of device work owned by one trainer or predictor ({@link Backend#openStream()}). While bound to a thread,
 * that thread's ops on the device are queued on it, so trainers and predictors that share a GPU overlap instead of
 * waiting for each other; memory a tensor takes on a stream is reused by that stream only. The CPU runs ops as they
 * are called and has none: {@link #NONE} binds nothing.
 */
public interface ComputeStream extends AutoCloseable {
    /** The CPU's: binding and closing do nothing. */
    ComputeStream NONE = new ComputeStream() {
        @Override
        public Binding bind() {
            return () -> {};
        }

        @Override
        public void close() {}
    };

    /** Queues the calling thread's ops on this stream until the binding is closed (then on the device's own). */
    Binding bind();

    /** Waits for the stream's work, then frees it. */
    @Override
    void close();

    /** A thread's use of a stream; closing it returns the thread to the device's own stream. */
    interface Binding extends AutoCloseable {
        @Override
        void close();
    }
}
