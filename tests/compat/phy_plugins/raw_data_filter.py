"""A 300 Hz high-pass Butterworth filter for the raw data (phy's raw_data_filter pattern)."""

from scipy.signal import butter, filtfilt

from phy import IPlugin


class PhyStyleRawFilterPlugin(IPlugin):
    def attach_to_controller(self, controller):
        b, a = butter(3, 300.0 / controller.model.sample_rate * 2.0, 'high')

        @controller.raw_data_filter.add_filter
        def high_pass_300(arr, axis=0):
            return filtfilt(b, a, arr, axis=axis)
