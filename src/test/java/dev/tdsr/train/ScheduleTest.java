package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    @Test
    void parsesThePapersSchedules() {
        Schedule tdsr = Schedule.parse("100k:1:0+200k:1:0.01");
        assertEquals(List.of(new Schedule.Stage(100_000, 1, 0), new Schedule.Stage(200_000, 1, 0.01)), tdsr.stages());
        assertEquals(300_000, tdsr.totalIterations());
        assertEquals("100k:1:0+200k:1:0.01", tdsr.toString());
        assertEquals(tdsr, Schedule.parse(tdsr.toString()));
        assertEquals(1500, Schedule.parse(" 1.5k : 0.5 : 2 ").totalIterations());
        assertEquals("250:0.5:0", Schedule.parse("250:0.5:0").toString());
    }

    @Test
    void stageLookupByIteration() {
        Schedule s = Schedule.parse("2:1:0+3:1:0.5+1:0:1");
        int[] expected = {0, 0, 1, 1, 1, 2};
        for (int it = 0; it < expected.length; it++) {
            assertEquals(expected[it], s.stageIndex(it), "iteration " + it);
        }
        assertEquals(2, s.stageIndex(100)); // past the end: the last stage continues
        assertEquals(0.5, s.stageAt(4).beta());
    }

    @Test
    void firstIterationsAndStageEnds() {
        Schedule s = Schedule.parse("2:1:0+3:1:0.5+1:0:1");
        assertEquals(Schedule.parse("2:1:0"), s.first(2));
        assertEquals(Schedule.parse("2:1:0+1:1:0.5"), s.first(3));
        assertEquals(s, s.first(6));
        assertThrows(IllegalArgumentException.class, () -> s.first(7));
        assertThrows(IllegalArgumentException.class, () -> s.first(0));
        List<Long> ends = new java.util.ArrayList<>();
        for (long it = 0; it <= 7; it++) {
            if (s.endsStage(it)) {
                ends.add(it);
            }
        }
        assertEquals(List.of(2L, 5L, 6L), ends);
    }

    @Test
    void errorsNameTheBadPart() {
        assertEquals("schedule '100k:1:0+200k:1', stage 2 '200k:1': expected n:alpha:beta (three fields separated "
                + "by ':'), e.g. 100k:1:0", message("100k:1:0+200k:1"));
        assertEquals("schedule '10x:1:0', stage 1 '10x:1:0': iteration count '10x' must be a positive whole number, "
                + "optionally with k (x1000), e.g. 200 or 100k", message("10x:1:0"));
        assertEquals("schedule '5:1:-0.1', stage 1 '5:1:-0.1': beta '-0.1' must be a finite number >= 0, e.g. 1 or "
                + "0.01", message("5:1:-0.1"));
        assertEquals("schedule '5:one:0', stage 1 '5:one:0': alpha 'one' must be a finite number >= 0, e.g. 1 or "
                + "0.01", message("5:one:0"));
        message("0:1:0");
        message("1.5:1:0");
        message("5:1:0+");
        message("");
    }

    private static String message(String s) {
        return assertThrows(IllegalArgumentException.class, () -> Schedule.parse(s)).getMessage();
    }

    @Test
    void lrDecaysAtEachMilestone() {
        LrSchedule tdsr = new LrSchedule(1e-4, List.of(200_000L), 0.1);
        assertEquals(1e-4, tdsr.at(0));
        assertEquals(1e-4, tdsr.at(199_999));
        assertEquals(1e-5, tdsr.at(200_000), 1e-20);
        LrSchedule ssd = new LrSchedule(1e-3, List.of(80_000L, 100_000L), 0.1);
        assertEquals(1e-3, ssd.at(79_999));
        assertEquals(1e-4, ssd.at(80_000), 1e-19);
        assertEquals(1e-5, ssd.at(119_999), 1e-20);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, List.of(5L, 5L), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(Double.NaN, List.of(), 0.1));
    }

    @Test
    void lrWarmsUpLinearlyThenDecays() {
        LrSchedule s = new LrSchedule(1e-3, List.of(6L), 0.1, 4);
        double[] expected = {0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3, 1e-3, 1e-4};
        for (int it = 0; it < expected.length; it++) {
            assertEquals(expected[it], s.at(it), 1e-15, "iteration " + it);
        }
        assertEquals(1e-3, new LrSchedule(1e-3, List.of(), 0.1).at(0), "no warm-up by default");
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, List.of(), 0.1, -1));
    }
}
