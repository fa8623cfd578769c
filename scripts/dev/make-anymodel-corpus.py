"""Dev-only: the "any model" corpus in test/fixtures/anymodel/: small graphs with dynamic height and
width from more than one exporter style, several inputs and outputs, integer and bool tensors, and
control flow. Run with Debian's Python (PyTorch 1.13, python3-onnx 1.12):
    /usr/bin/python3 scripts/dev/make-anymodel-corpus.py
msplit's tests read the committed files and never need Python.

Two families:
- torch_*: torch.onnx.export with dynamic_axes on batch, height and width. For each, PyTorch's own
  outputs on one input are saved (<name>.ref.<k>.npy inputs, <name>.ref.out<k>.npy outputs) so that the
  test can check that onnxruntime runs the export as PyTorch does.
- onnx_*: graphs written with onnx.helper in the idioms other exporters emit at opsets 9-11
  (Paddle2ONNX, tf2onnx, older PyTorch): Upsample, Resize with scales, Pad and Slice with
  attributes, Shape->Gather->Unsqueeze->Concat->Reshape, HardSigmoid, Flatten after pooling,
  dim_value -1 and unk__N dims, stale value_info; and If / Loop / Scan with outer-scope reads.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "anymodel")
rng = np.random.default_rng(0)


# ---------------------------------------------------------------- PyTorch exports


class GapCnn(nn.Module):
    """Convolutions, BatchNorm, a ceil-mode max pool, global pooling, and the flatten PyTorch writes
    for x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.c3 = nn.Conv2d(16, 16, 3, stride=2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = self.pool(F.relu(self.c2(x)))
        x = F.relu(self.c3(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(x.view(x.size(0), -1))


class SeNet(nn.Module):
    """A squeeze-and-excitation block (global pool, 1x1 convs, Hardsigmoid gate) with a residual."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.body = nn.Conv2d(16, 16, 3, padding=1)
        self.squeeze = nn.Conv2d(16, 4, 1)
        self.excite = nn.Conv2d(4, 16, 1)
        self.fc = nn.Linear(16, 7)

    def forward(self, x):
        x = F.hardswish(self.stem(x))
        y = F.relu(self.body(x))
        s = F.adaptive_avg_pool2d(y, 1)
        s = F.hardsigmoid(self.excite(F.relu(self.squeeze(s))))
        x = x + y * s
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class FpnHead(nn.Module):
    """An FPN-style head: three strides, top-down upsampling (by scale factor and to the size of
    another map), concatenation, and a dense output whose size follows the input's."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.l1 = nn.Conv2d(8, 8, 1)
        self.l2 = nn.Conv2d(16, 8, 1)
        self.l3 = nn.Conv2d(32, 8, 1)
        self.head = nn.Conv2d(24, 5, 3, padding=1)

    def forward(self, x):
        a = F.relu(self.c1(x))
        b = F.relu(self.c2(a))
        c = F.relu(self.c3(b))
        p3 = self.l3(c)
        p2 = self.l2(b) + F.interpolate(p3, scale_factor=2.0, mode="nearest")
        p1 = self.l1(a) + F.interpolate(p2, size=a.shape[-2:], mode="nearest")
        up3 = F.interpolate(p3, size=a.shape[-2:], mode="bilinear", align_corners=False)
        up2 = F.interpolate(p2, size=a.shape[-2:], mode="nearest")
        return self.head(torch.cat([p1, up2, up3], dim=1))


class TwoInTwoOut(nn.Module):
    """Two inputs (an image and a per-sample vector) and two outputs (logits and a feature map)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.aux = nn.Linear(4, 8)
        self.fc = nn.Linear(16, 6)

    def forward(self, image, aux):
        f = F.relu(self.c1(image))
        g = F.relu(self.c2(f)) + f
        pooled = g.mean(dim=(2, 3))
        logits = self.fc(torch.cat([pooled, torch.tanh(self.aux(aux))], dim=1))
        return logits, g


class Int64Input(nn.Module):
    """An int64 class-id input (embedding lookup, FiLM-style scaling), an int64 argmax output and a
    bool output."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.embed = nn.Embedding(5, 8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 9)

    def forward(self, image, class_id):
        f = F.relu(self.c1(image))
        gamma = self.embed(class_id).unsqueeze(-1).unsqueeze(-1)
        f = F.relu(self.c2(f * gamma))
        logits = self.fc(f.amax(dim=(2, 3)))
        return logits, logits.argmax(dim=1), logits > 0


def torch_models():
    torch.manual_seed(0)
    b_hw = {0: "batch", 2: "height", 3: "width"}
    img = lambda n, h, w: torch.randn(n, 3, h, w)
    yield "torch_gap_cnn", GapCnn(), (img(1, 40, 56),), ["input"], ["logits"], {"input": b_hw}, 13
    yield "torch_se_net", SeNet(), (img(1, 36, 52),), ["input"], ["logits"], {"input": b_hw}, 11
    yield "torch_fpn_head", FpnHead(), (img(1, 32, 48),), ["input"], ["dense"], {"input": b_hw, "dense": b_hw}, 11
    yield ("torch_two_in_two_out", TwoInTwoOut(), (img(2, 24, 40), torch.randn(2, 4)), ["image", "aux"], ["logits", "features"],
           {"image": b_hw, "aux": {0: "batch"}, "features": b_hw}, 13)
    yield ("torch_int64_input", Int64Input(), (img(2, 28, 36), torch.tensor([1, 3])), ["image", "class_id"], ["logits", "label", "positive"],
           {"image": b_hw, "class_id": {0: "batch"}}, 13)


def export_torch():
    for name, model, args, in_names, out_names, axes, opset in torch_models():
        model.eval()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
        with torch.no_grad():
            outs = model(*args)
        outs = outs if isinstance(outs, tuple) else (outs,)
        torch.onnx.export(model, args, os.path.join(OUT, f"{name}.onnx"), input_names=in_names, output_names=out_names,
                          dynamic_axes=axes, opset_version=opset)
        for k, a in enumerate(args):
            np.save(os.path.join(OUT, f"{name}.ref.in{k}.npy"), a.numpy())
        for k, o in enumerate(outs):
            np.save(os.path.join(OUT, f"{name}.ref.out{k}.npy"), o.numpy())


# ---------------------------------------------------------------- onnx.helper graphs


def weight(name, *shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def dims_value_info(name, elem, dims):
    """A value_info whose dims are ints (dim_value, -1 included) or strings (dim_param)."""
    vi = helper.make_tensor_value_info(name, elem, None)
    shape = vi.type.tensor_type.shape
    for d in dims:
        dim = shape.dim.add()
        if isinstance(d, int):
            dim.dim_value = d
        elif d is not None:
            dim.dim_param = d
    return vi


def save(name, graph, opset, producer):
    model = helper.make_model(graph, producer_name=producer, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 6 if opset <= 11 else 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))


def paddle_style_opset9():
    """Paddle2ONNX / old exporters at opset 9: dim_value -1 for dynamic dims, Upsample with a scales
    input, Pad and Slice with attributes, HardSigmoid, Flatten after global pooling, and a stale
    value_info (declared [1, 16, 1, 1] for a map whose size follows the input)."""
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], name="conv1"),
        n("BatchNormalization", ["c1", "g1", "be1", "m1", "v1"], ["bn1"], epsilon=1e-5, name="bn1"),
        n("Relu", ["bn1"], ["r1"], name="relu1"),
        n("Pad", ["r1"], ["p1"], mode="reflect", pads=[0, 0, 1, 2, 0, 0, 1, 2], name="pad_reflect"),
        n("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], name="conv2"),
        n("HardSigmoid", ["c2"], ["hs"], alpha=0.2, beta=0.5, name="hardsigmoid"),
        n("Mul", ["c2", "hs"], ["g2"], name="gate"),
        n("MaxPool", ["g2"], ["mp"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
        n("Upsample", ["mp", "up_scales"], ["up"], mode="nearest", name="upsample"),
        n("Slice", ["up"], ["sl"], starts=[1, 1], ends=[-1, 1000000], axes=[2, 3], name="crop"),
        n("Pad", ["sl"], ["p2"], mode="constant", value=0.5, pads=[0, 0, 0, 1, 0, 0, 2, 0], name="pad_const"),
        n("Conv", ["p2", "w3", "b3"], ["c3"], kernel_shape=[1, 1], name="conv3"),
        n("GlobalAveragePool", ["c3"], ["gap"], name="gap"),
        n("Flatten", ["gap"], ["flat"], axis=1, name="flatten"),
        n("Gemm", ["flat", "fcw", "fcb"], ["logits"], transB=1, name="fc"),
    ]
    inits = [
        weight("w1", 16, 3, 3, 3), weight("b1", 16),
        floats("g1", rng.uniform(0.5, 1.5, 16)), weight("be1", 16), weight("m1", 16), floats("v1", rng.uniform(0.5, 1.5, 16)),
        weight("w2", 16, 16, 3, 3, scale=0.1), weight("b2", 16),
        floats("up_scales", [1, 1, 2, 2]),
        weight("w3", 12, 16, 1, 1), weight("b3", 12),
        weight("fcw", 10, 12), weight("fcb", 10),
    ]
    graph = helper.make_graph(nodes, "paddle_style", [dims_value_info("x", TensorProto.FLOAT, [-1, 3, -1, -1])],
                              [dims_value_info("logits", TensorProto.FLOAT, [-1, 10])], inits,
                              value_info=[dims_value_info("c2", TensorProto.FLOAT, [1, 16, 1, 1])])
    save("onnx_paddle_opset9", graph, 9, "PaddlePaddle-style (msplit corpus)")


def tf2onnx_style_opset11():
    """tf2onnx at opset 11: NHWC input with unk__N dims, Transposes around the convolutions, Resize
    with scales (and an empty roi), Pad with a pads input, Slice with inputs, and the flatten
    tf2onnx and PyTorch write as Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    n = helper.make_node
    nodes = [
        n("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2], name="to_nchw"),
        n("Conv", ["nchw", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER", name="conv1"),
        n("Relu", ["c1"], ["r1"], name="relu1"),
        n("Resize", ["r1", "roi", "scales"], ["up"], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor", name="resize"),
        n("Pad", ["up", "pads"], ["pad"], mode="constant", name="pad"),
        n("Conv", ["pad", "w2", "b2"], ["c2"], kernel_shape=[3, 3], strides=[2, 2], name="conv2"),
        n("LeakyRelu", ["c2"], ["r2"], alpha=0.1, name="leaky"),
        n("Slice", ["r2", "sl_starts", "sl_ends", "sl_axes", "sl_steps"], ["sl"], name="slice_every_other_col"),
        n("Transpose", ["sl"], ["nhwc"], perm=[0, 2, 3, 1], name="to_nhwc"),
        n("ReduceMean", ["nhwc"], ["pooled"], axes=[1, 2], keepdims=1, name="mean"),
        n("Shape", ["pooled"], ["shp"], name="shape"),
        n("Gather", ["shp", "zero"], ["batch"], axis=0, name="gather_batch"),
        n("Unsqueeze", ["batch"], ["batch1"], axes=[0], name="unsqueeze_batch"),
        n("Concat", ["batch1", "minus_one"], ["flat_shape"], axis=0, name="concat_shape"),
        n("Reshape", ["pooled", "flat_shape"], ["flat"], name="reshape_flat"),
        n("MatMul", ["flat", "fcw"], ["mm"], name="fc"),
        n("Add", ["mm", "fcb"], ["logits"], name="fc_bias"),
        n("Softmax", ["logits"], ["probs"], axis=1, name="softmax"),
    ]
    inits = [
        weight("w1", 8, 3, 3, 3), weight("b1", 8), floats("roi", []), floats("scales", [1, 1, 2, 2]),
        ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]),
        weight("w2", 12, 8, 3, 3, scale=0.2), weight("b2", 12),
        ints("sl_starts", [0]), ints("sl_ends", [np.iinfo(np.int64).max]), ints("sl_axes", [3]), ints("sl_steps", [2]),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"), ints("minus_one", [-1]),
        weight("fcw", 12, 5), weight("fcb", 5),
    ]
    x = dims_value_info("x", TensorProto.FLOAT, ["unk__1", "unk__2", "unk__3", 3])
    outs = [dims_value_info("logits", TensorProto.FLOAT, ["unk__4", 5]), dims_value_info("probs", TensorProto.FLOAT, ["unk__5", 5])]
    save("onnx_tf2onnx_opset11", helper.make_graph(nodes, "tf2onnx_style", [x], outs, inits), 11, "tf2onnx-style (msplit corpus)")


def resize_opset10():
    """Opset 10: Resize(X, scales) without roi, downscaling by a non-integer scale, Slice with
    inputs, and older PyTorch's AveragePool with count_include_pad."""
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
        n("Sigmoid", ["c1"], ["s1"], name="sigmoid"),
        n("Resize", ["s1", "scales_down"], ["down"], mode="nearest", name="resize_down"),
        n("AveragePool", ["down"], ["ap"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1, name="avgpool"),
        n("Resize", ["ap", "scales_up"], ["up"], mode="linear", name="resize_up"),
        n("Slice", ["up", "starts", "ends", "axes"], ["sl"], name="slice"),
        n("Conv", ["sl", "w2", "b2"], ["out"], kernel_shape=[1, 1], name="conv2"),
    ]
    inits = [weight("w1", 6, 3, 3, 3), weight("b1", 6), floats("scales_down", [1, 1, 0.5, 0.5]), floats("scales_up", [1, 1, 3, 3]),
             ints("starts", [0, 2]), ints("ends", [-1, 1 << 30]), ints("axes", [2, 3]), weight("w2", 4, 6, 1, 1), weight("b2", 4)]
    x = dims_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])
    out = dims_value_info("out", TensorProto.FLOAT, ["N", 4, None, None])
    save("onnx_resize_opset10", helper.make_graph(nodes, "resize10", [x], [out], inits), 10, "opset-10 style (msplit corpus)")


def control_if():
    """If on a data-dependent condition; both branches read tensors of the outer graph (an
    activation made early, and a weight), so those must cross any boundary before the If."""
    n = helper.make_node
    then_g = helper.make_graph(
        [n("Mul", ["r1", "gain"], ["t0"]), n("Add", ["t0", "skip"], ["then_out"])], "then",
        [], [helper.make_tensor_value_info("then_out", TensorProto.FLOAT, None)])
    else_g = helper.make_graph(
        [n("Sigmoid", ["r1"], ["e0"]), n("Sub", ["e0", "skip"], ["else_out"])], "else",
        [], [helper.make_tensor_value_info("else_out", TensorProto.FLOAT, None)])
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
        n("Relu", ["c1"], ["skip"], name="relu_skip"),
        n("Conv", ["skip", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv2"),
        n("Relu", ["c2"], ["r1"], name="relu1"),
        n("ReduceMean", ["r1"], ["m"], keepdims=0, name="mean_all"),
        n("Greater", ["m", "threshold"], ["cond"], name="cond"),
        n("If", ["cond"], ["branch"], then_branch=then_g, else_branch=else_g, name="if"),
        n("Conv", ["branch", "w3", "b3"], ["c3"], kernel_shape=[1, 1], name="conv3"),
        n("GlobalAveragePool", ["c3"], ["gap"], name="gap"),
        n("Flatten", ["gap"], ["out"], name="flatten"),
    ]
    inits = [weight("w1", 8, 3, 3, 3), weight("b1", 8), weight("w2", 8, 8, 3, 3, scale=0.2), weight("b2", 8),
             numpy_helper.from_array(np.array(0.3, dtype=np.float32), "threshold"),
             floats("gain", [1.5]), weight("w3", 5, 8, 1, 1), weight("b3", 5)]
    x = dims_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    out = dims_value_info("out", TensorProto.FLOAT, ["batch", 5])
    save("onnx_control_if", helper.make_graph(nodes, "control_if", [x], [out], inits), 13, "onnx.helper (msplit corpus)")


def control_loop():
    """Loop with a constant trip count: a carried state refined three times by a convolution whose
    weight and a skip tensor come from the outer graph, plus a scan output stacked per iteration."""
    n = helper.make_node
    body = helper.make_graph(
        [
            n("Identity", ["cond_in"], ["cond_out"]),
            n("Conv", ["state_in", "wl", "bl"], ["bc"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            n("Relu", ["bc"], ["br"]),
            n("Add", ["br", "skip"], ["state_out"]),
            n("ReduceMean", ["state_out"], ["per_iter"], axes=[2, 3], keepdims=0),
        ],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("state_in", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("state_out", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("per_iter", TensorProto.FLOAT, None)],
    )
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], name="conv1"),
        n("Relu", ["c1"], ["skip"], name="relu_skip"),
        n("Conv", ["skip", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv2"),
        n("Loop", ["trips", "", "c2"], ["final", "history"], body=body, name="loop"),
        n("GlobalAveragePool", ["final"], ["gap"], name="gap"),
        n("Flatten", ["gap"], ["flat"], name="flatten"),
        n("Gemm", ["flat", "fcw", "fcb"], ["logits"], transB=1, name="fc"),
        n("Transpose", ["history"], ["per_sample"], perm=[1, 0, 2], name="history_per_sample"),
    ]
    inits = [weight("w1", 8, 3, 3, 3), weight("b1", 8), weight("w2", 8, 8, 3, 3, scale=0.2), weight("b2", 8),
             numpy_helper.from_array(np.array(3, dtype=np.int64), "trips"),
             weight("wl", 8, 8, 3, 3, scale=0.1), weight("bl", 8), weight("fcw", 4, 8), weight("fcb", 4)]
    x = dims_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    outs = [dims_value_info("logits", TensorProto.FLOAT, ["batch", 4]), dims_value_info("per_sample", TensorProto.FLOAT, ["batch", 3, 8])]
    save("onnx_control_loop", helper.make_graph(nodes, "control_loop", [x], outs, inits), 13, "onnx.helper (msplit corpus)")


def control_scan():
    """Scan over the rows of a feature map: a running sum carried across rows (a state of shape
    [N, C, W]), the per-row sums stacked back along axis 2; the initial state comes from a slice of
    an earlier activation."""
    n = helper.make_node
    body = helper.make_graph(
        [n("Add", ["acc_in", "row"], ["acc_out"]), n("Tanh", ["acc_out"], ["row_out"])],
        "scan_body",
        [helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, None), helper.make_tensor_value_info("row", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, None), helper.make_tensor_value_info("row_out", TensorProto.FLOAT, None)],
    )
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
        n("Relu", ["c1"], ["r1"], name="relu1"),
        n("ReduceMean", ["r1"], ["init"], axes=[2], keepdims=0, name="row_mean"),
        n("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv2"),
        n("Scan", ["init", "c2"], ["acc", "rows"], body=body, num_scan_inputs=1, scan_input_axes=[2], scan_output_axes=[2], name="scan"),
        n("Add", ["rows", "r1"], ["mix"], name="mix"),
        n("Conv", ["mix", "w3", "b3"], ["out"], kernel_shape=[1, 1], name="conv3"),
        n("ReduceSum", ["acc"], ["acc_sum"], axes=[2], keepdims=0, name="acc_sum"),
    ]
    inits = [weight("w1", 6, 3, 3, 3), weight("b1", 6), weight("w2", 6, 6, 3, 3, scale=0.2), weight("b2", 6), weight("w3", 3, 6, 1, 1), weight("b3", 3)]
    x = dims_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    outs = [dims_value_info("out", TensorProto.FLOAT, ["batch", 3, "height", "width"]), dims_value_info("acc_sum", TensorProto.FLOAT, ["batch", 6])]
    save("onnx_control_scan", helper.make_graph(nodes, "control_scan", [x], outs, inits), 11, "onnx.helper (msplit corpus)")


def main():
    os.makedirs(OUT, exist_ok=True)
    export_torch()
    paddle_style_opset9()
    tf2onnx_style_opset11()
    resize_opset10()
    control_if()
    control_loop()
    control_scan()


if __name__ == "__main__":
    main()
