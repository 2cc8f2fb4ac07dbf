package dev.tdsr.models;

import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.ParameterSet;

/**
 * A frozen network whose feature maps define a perceptual (content) loss, as SRGAN's: the features of an image batch
 * and the image gradient of a gradient at those features. Implemented by the detector's VGG16 base
 * ({@link Ssd#perceptual()}) and by an imported VGG19 ({@link Vgg19}).
 */
public interface PerceptualNetwork {
    /** The feature maps of images [N,3,H,W] (RGB, [0,1]); call {@link #featuresBackward} before the next call. */
    Tensor features(Tensor image);

    /** d(loss)/d(image) for d(loss)/d(features) of the last {@link #features} call. */
    Tensor featuresBackward(Tensor dFeatures);

    /** Its parameters (frozen by the tasks that use it). */
    ParameterSet parameters();

    /** What it is, for logs and reports ("VGG19 up to relu5_4"). */
    String describe();
}
